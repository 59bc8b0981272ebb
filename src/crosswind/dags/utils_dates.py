"""Date helpers as Airflow's airflow.utils.timezone and airflow.utils.dates give them, in
pendulum types: naive datetimes are taken as UTC (Airflow's default time zone)."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import tzinfo as TzInfo
from typing import Any

import pendulum
from pendulum import DateTime

from crosswind.timetables.zones import parse_timezone

utc = pendulum.UTC


def utcnow() -> DateTime:
    return pendulum.now(utc)


def is_localized(value: datetime) -> bool:
    return value.utcoffset() is not None


def is_naive(value: datetime) -> bool:
    return value.utcoffset() is None


def as_utc(value: datetime | None) -> DateTime | None:
    """The same instant in UTC as a pendulum DateTime; naive values are read as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=utc)
    return pendulum.instance(value).in_timezone(utc)


convert_to_utc = as_utc


def coerce_datetime(value: datetime | None, tz: TzInfo | None = None) -> DateTime | None:
    """A pendulum DateTime for any datetime (naive ones in `tz`, default UTC)."""
    if value is None:
        return None
    if isinstance(value, DateTime) and value.tzinfo is not None:
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=parse_timezone(tz) if tz else utc)
    return pendulum.instance(value)


def make_aware(value: datetime | None, timezone: Any = None) -> datetime | None:
    """A naive datetime read in `timezone` (default UTC); fold=1 picks the second of two
    ambiguous wall times, as Airflow does."""
    if value is None:
        return None
    if is_localized(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    zone = parse_timezone(timezone)
    return zone.convert(value.replace(fold=1))


def make_naive(value: datetime, timezone: Any = None) -> datetime:
    if is_naive(value):
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    local = value.astimezone(parse_timezone(timezone))
    return datetime(local.year, local.month, local.day, local.hour, local.minute,  # noqa: DTZ001
                    local.second, local.microsecond)


def parse(text: str, timezone: Any = None) -> DateTime:
    return pendulum.parse(text, tz=parse_timezone(timezone))  # type: ignore[return-value]


def days_ago(
    n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> DateTime:
    """Midnight UTC (or the given time) n days ago."""
    today = utcnow().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - timedelta(days=n)


def aware_datetime(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    tzinfo: Any = None,
) -> DateTime:
    """airflow.utils.timezone.datetime: a datetime in UTC unless tzinfo is given."""
    return pendulum.datetime(year, month, day, hour, minute, second, microsecond,
                             tz=parse_timezone(tzinfo))
