"""Timetables against Airflow 2 behaviour, with chosen `now` values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crosswind.dags.schedule import normalize_schedule, timetable_description, timetable_summary
from crosswind.scheduling.timetables import (
    DataInterval,
    manual_interval,
    next_run,
    timetable_for,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def nxt(schedule, *, last=None, start=utc(2024, 1, 1), end=None, catchup=True, now):
    tt = timetable_for(normalize_schedule(schedule))
    return next_run(tt, last=last, start_date=start, end_date=end, catchup=catchup, now=now)


def test_cron_first_run_with_catchup_is_the_first_interval() -> None:
    info = nxt("@daily", now=utc(2024, 5, 1, 12))
    assert info.data_interval == DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
    assert info.run_after == utc(2024, 1, 2) and info.logical_date == utc(2024, 1, 1)


def test_cron_start_date_off_boundary_aligns_to_next() -> None:
    info = nxt("0 3 * * *", start=utc(2024, 1, 1, 5), now=utc(2024, 5, 1))
    assert info.data_interval == DataInterval(utc(2024, 1, 2, 3), utc(2024, 1, 3, 3))


def test_cron_follows_last_interval() -> None:
    last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
    info = nxt("@daily", last=last, now=utc(2024, 5, 1))
    assert info.data_interval == DataInterval(utc(2024, 1, 2), utc(2024, 1, 3))


def test_cron_no_catchup_skips_to_latest_complete_interval() -> None:
    info = nxt("@daily", catchup=False, now=utc(2024, 5, 1, 12))
    assert info.data_interval == DataInterval(utc(2024, 4, 30), utc(2024, 5, 1))
    last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
    info = nxt("@daily", last=last, catchup=False, now=utc(2024, 5, 1, 12))
    assert info.data_interval.start == utc(2024, 4, 30)


def test_cron_no_catchup_on_boundary_runs_interval_ending_now() -> None:
    info = nxt("@hourly", catchup=False, now=utc(2024, 5, 1, 12))
    assert info.data_interval == DataInterval(utc(2024, 5, 1, 11), utc(2024, 5, 1, 12))


def test_cron_no_catchup_future_start_date_wins() -> None:
    info = nxt("@daily", start=utc(2024, 6, 1), catchup=False, now=utc(2024, 5, 1))
    assert info.data_interval.start == utc(2024, 6, 1)


def test_end_date_stops_scheduling() -> None:
    last = DataInterval(utc(2024, 1, 1), utc(2024, 1, 2))
    assert nxt("@daily", last=last, end=utc(2024, 1, 1, 12), now=utc(2024, 5, 1)) is None
    assert nxt("@daily", last=last, end=utc(2024, 1, 2), now=utc(2024, 5, 1)) is not None


def test_no_start_date_no_run() -> None:
    assert nxt("@daily", start=None, now=utc(2024, 5, 1)) is None


def test_cron_manual_run_gets_last_complete_interval() -> None:
    tt = timetable_for(normalize_schedule("@daily"))
    assert manual_interval(tt, utc(2024, 5, 25, 1)) == DataInterval(
        utc(2024, 5, 24), utc(2024, 5, 25)
    )
    assert manual_interval(tt, utc(2024, 5, 25)) == DataInterval(
        utc(2024, 5, 24), utc(2024, 5, 25)
    )


def test_delta_catchup_and_follow() -> None:
    info = nxt(timedelta(hours=6), start=utc(2024, 1, 1, 1), now=utc(2024, 5, 1))
    assert info.data_interval == DataInterval(utc(2024, 1, 1, 1), utc(2024, 1, 1, 7))
    last = info.data_interval
    info = nxt(timedelta(hours=6), last=last, now=utc(2024, 5, 1))
    assert info.data_interval == DataInterval(utc(2024, 1, 1, 7), utc(2024, 1, 1, 13))


def test_delta_no_catchup_rounds_now_to_the_interval() -> None:
    info = nxt(timedelta(hours=6), catchup=False, now=utc(2024, 5, 1, 13, 30))
    assert info.data_interval == DataInterval(utc(2024, 5, 1, 6), utc(2024, 5, 1, 12))


def test_delta_manual() -> None:
    tt = timetable_for({"kind": "delta", "value": 3600.0})
    assert manual_interval(tt, utc(2024, 1, 1, 5)) == DataInterval(
        utc(2024, 1, 1, 4), utc(2024, 1, 1, 5)
    )


def test_once_runs_once_at_start_date_regardless_of_catchup() -> None:
    info = nxt("@once", catchup=False, now=utc(2024, 5, 1))
    assert info.data_interval == DataInterval.exact(utc(2024, 1, 1))
    assert info.run_after == utc(2024, 1, 1)
    assert nxt("@once", last=info.data_interval, now=utc(2024, 5, 1)) is None
    assert nxt("@once", start=utc(2024, 2, 1), end=utc(2024, 1, 1), now=utc(2024, 5, 1)) is None


def test_none_never_schedules_and_manual_is_exact() -> None:
    assert nxt(None, now=utc(2024, 5, 1)) is None
    tt = timetable_for({"kind": "none", "value": None})
    assert manual_interval(tt, utc(2024, 3, 3)) == DataInterval.exact(utc(2024, 3, 3))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        nxt("@daily", start=datetime(2024, 1, 1), now=utc(2024, 5, 1))
    with pytest.raises(ValueError, match="naive"):
        nxt("@daily", now=datetime(2024, 5, 1))
    with pytest.raises(ValueError, match="naive"):
        manual_interval(timetable_for({"kind": "cron", "value": "@daily"}), datetime(2024, 5, 1))


@pytest.mark.parametrize(
    ("schedule", "kind", "value", "summary", "description"),
    [
        ("@daily", "cron", "@daily", "@daily", "At 00:00"),
        ("0 0 * * *", "cron", "0 0 * * *", "0 0 * * *", "At 00:00"),
        ("30 6 * * 1", "cron", "30 6 * * 1", "30 6 * * 1", "At 06:30, only on Monday"),
        ("@hourly", "cron", "@hourly", "@hourly", "At 0 minutes past the hour"),
        ("30 2 * * 1-5", "cron", "30 2 * * 1-5", "30 2 * * 1-5", "At 02:30, Monday through Friday"),
        ("*/15 * * * *", "cron", "*/15 * * * *", "*/15 * * * *", "Every 15 minutes"),
        ("@monthly", "cron", "@monthly", "@monthly", "At 00:00, on day 1 of the month"),
        (timedelta(days=1), "delta", 86400.0, "1 day, 0:00:00", "Every 1 day"),
        (timedelta(minutes=30), "delta", 1800.0, "0:30:00", "Every 30 minutes"),
        ("@once", "once", "@once", "@once", "Once, as soon as possible"),
        (None, "none", None, None, "Never, external triggers only"),
    ],
)
def test_normalize_and_describe(schedule, kind, value, summary, description) -> None:
    info = normalize_schedule(schedule)
    assert (info["kind"], info["value"]) == (kind, value)
    assert info.get("timezone", "UTC") == "UTC"
    assert timetable_summary(info) == summary
    assert timetable_description(info) == description


def test_continuous_is_a_schedule_and_bad_cron_is_refused() -> None:
    assert normalize_schedule("@continuous") == {"kind": "continuous", "value": "@continuous"}
    with pytest.raises(ValueError, match="Invalid cron"):
        normalize_schedule("* * *")
