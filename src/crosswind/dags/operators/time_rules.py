"""Pure time decisions of the date/time operators and sensors, with Airflow 2's
time-zone semantics. Every function takes its `now` (aware) and the DAG's time zone, so
they work alike for pendulum DateTime and stdlib datetime and are tested with chosen
times (tests/unit/test_time_rules.py)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Any


def dag_timezone(dag: Any) -> tzinfo:
    """The DAG's time zone (`timezone`, from its start_date) or UTC."""
    tz = getattr(dag, "timezone", None) if dag is not None else None
    return tz if tz is not None else UTC


def coerce_aware(value: datetime | None, tz: tzinfo) -> datetime | None:
    """A naive datetime taken as wall-clock time in tz (Airflow's coerce_datetime)."""
    if value is None or value.tzinfo is not None:
        return value
    localize = getattr(tz, "convert", None)  # pendulum: resolves DST gaps/folds its way
    if callable(localize):
        return localize(value)  # type: ignore[no-any-return]
    return value.replace(tzinfo=tz)


def target_times_as_dates(
    base: datetime, lower: datetime | time | None, upper: datetime | time | None
) -> tuple[datetime | None, datetime | None]:
    """Bounds as datetimes: times are put on base's date; an upper time before the lower
    one means the window ends the next day."""
    if isinstance(lower, datetime) and isinstance(upper, datetime):
        return lower, upper
    lo = datetime.combine(base, lower) if isinstance(lower, time) else lower
    hi = datetime.combine(base, upper) if isinstance(upper, time) else upper
    if lo is None or hi is None:
        return lo, hi
    if hi < lo:
        hi += timedelta(days=1)
    return lo, hi


def in_datetime_window(
    now: datetime, lower: datetime | time | None, upper: datetime | time | None, tz: tzinfo
) -> bool:
    """BranchDateTimeOperator: lower <= now <= upper, naive bounds in the DAG's zone."""
    lo, hi = target_times_as_dates(now, lower, upper)
    lo, hi = coerce_aware(lo, tz), coerce_aware(hi, tz)
    if hi is not None and hi < now:
        return False
    return not (lo is not None and lo > now)


def weekday_matches(moment: datetime, days: set[int]) -> bool:
    """moment's ISO weekday (in moment's own zone) is one of days."""
    return moment.isoweekday() in days


def time_has_come(now: datetime, target: time, tz: tzinfo) -> bool:
    """TimeSensor: the wall-clock time in the DAG's zone is past target."""
    return now.astimezone(tz).time().replace(tzinfo=None) > target.replace(tzinfo=None)


def is_latest_interval(now: datetime, next_interval: tuple[datetime, datetime] | None) -> bool:
    """LatestOnlyOperator: the run after this one covers now (left < now <= right), or
    there is no next run at all."""
    if next_interval is None:
        return True
    left, right = next_interval
    return left < now <= right
