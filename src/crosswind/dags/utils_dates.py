"""Date helpers: Airflow's days_ago, and coercion of naive datetimes to UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Naive datetimes are taken as UTC, Airflow's default timezone."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def days_ago(
    n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0
) -> datetime:
    """Midnight UTC (or the given time) n days ago."""
    today = utcnow().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - timedelta(days=n)


def make_aware(value: datetime, timezone: object = None) -> datetime:
    """airflow.utils.timezone.make_aware, UTC only."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def aware_datetime(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    tzinfo: object = None,
) -> datetime:
    """airflow.utils.timezone.datetime: a datetime in UTC unless tzinfo is given."""
    tz = tzinfo if tzinfo is not None else UTC
    return datetime(year, month, day, hour, minute, second, microsecond, tzinfo=tz)  # type: ignore[arg-type]
