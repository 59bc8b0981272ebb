"""Pure decisions of the date/time operators and sensors, with chosen times and zones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from crosswind.dags.operators.time_rules import (
    coerce_aware,
    in_datetime_window,
    is_latest_interval,
    target_times_as_dates,
    time_has_come,
    weekday_matches,
)
from crosswind.dags.weekday import WeekDay

AMS = ZoneInfo("Europe/Amsterdam")


def at(*args: int, tz=UTC) -> datetime:
    return datetime(*args, tzinfo=tz)


@pytest.mark.parametrize(("now", "lower", "upper", "inside"), [
    (at(2024, 5, 1, 14, 30), datetime(2024, 5, 1, 14), datetime(2024, 5, 1, 15), True),
    (at(2024, 5, 1, 15, 1), datetime(2024, 5, 1, 14), datetime(2024, 5, 1, 15), False),
    (at(2024, 5, 1, 13, 59), datetime(2024, 5, 1, 14), None, False),
    (at(2024, 5, 1, 14, 0), datetime(2024, 5, 1, 14), None, True),
    (at(2024, 5, 1, 20), time(15), time(0), True),  # upper before lower: ends next day
    (at(2024, 5, 1, 10), time(15), time(0), False),
    (at(2024, 5, 1, 10), None, time(11), True),
])
def test_datetime_window_in_utc(now, lower, upper, inside) -> None:
    assert in_datetime_window(now, lower, upper, UTC) is inside


def test_naive_bounds_are_wall_clock_in_the_dag_zone() -> None:
    # 14:30 UTC is 16:30 in Amsterdam (CEST): outside a 14:00-15:00 Amsterdam window.
    now = at(2024, 5, 1, 14, 30)
    assert not in_datetime_window(now, time(14), time(15), AMS)
    assert in_datetime_window(now, time(16), time(17), AMS)
    assert in_datetime_window(now, at(2024, 5, 1, 14), at(2024, 5, 1, 15), AMS)  # aware


def test_target_times_combine_with_the_base_date() -> None:
    lo, hi = target_times_as_dates(at(2024, 5, 1, 3), time(22), time(2))
    assert (lo, hi) == (datetime(2024, 5, 1, 22), datetime(2024, 5, 2, 2))
    assert coerce_aware(datetime(2024, 1, 1, 12), AMS).utcoffset() == timedelta(hours=1)


def test_weekday_and_week_day_names() -> None:
    monday = at(2024, 5, 6, 12)
    assert weekday_matches(monday, WeekDay.validate_week_day("monday"))
    assert not weekday_matches(monday, WeekDay.validate_week_day({WeekDay.SATURDAY, "Sunday"}))
    assert WeekDay.validate_week_day(WeekDay.FRIDAY) == {5}
    with pytest.raises(AttributeError, match="Invalid Week Day"):
        WeekDay.validate_week_day("Funday")
    with pytest.raises(TypeError):
        WeekDay.validate_week_day(3.5)  # type: ignore[arg-type]


def test_time_sensor_compares_in_the_dag_zone() -> None:
    now = at(2024, 1, 10, 9, 30)  # 10:30 in Amsterdam
    assert time_has_come(now, time(9), UTC)
    assert not time_has_come(now, time(10, 45), AMS)
    assert time_has_come(now, time(10, 15), AMS)


def test_latest_interval() -> None:
    window = (at(2024, 1, 2), at(2024, 1, 3))
    assert is_latest_interval(at(2024, 1, 2, 5), window)
    assert is_latest_interval(at(2024, 1, 3), window)  # right edge included
    assert not is_latest_interval(at(2024, 1, 2), window)  # left edge excluded
    assert not is_latest_interval(at(2024, 3, 1), window)
    assert is_latest_interval(at(2024, 3, 1), None)


def test_pendulum_datetimes_work_alike() -> None:
    pendulum = pytest.importorskip("pendulum")
    if not hasattr(pendulum, "timezone"):
        pytest.skip("needs the real pendulum")
    tz = pendulum.timezone("Europe/Amsterdam")
    now = pendulum.datetime(2024, 5, 1, 14, 30, tz="UTC")
    assert in_datetime_window(now, time(16), time(17), tz)
    assert time_has_come(now, time(16, 15), tz)
    assert weekday_matches(pendulum.datetime(2024, 5, 4, tz="Europe/Amsterdam"), {6})
