"""A tiny stand-in for `pendulum`, served only when the real package is not installed.

Airflow 2 DAG files commonly write `pendulum.datetime(2024, 1, 1, tz="UTC")`; these
helpers return stdlib aware datetimes/timedeltas so such files parse unchanged.
Schedules are still evaluated in UTC by Crosswind.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any
from zoneinfo import ZoneInfo

UTC = _dt.UTC


def timezone(name: str | Any) -> Any:
    if not isinstance(name, str):
        return name
    return UTC if name.upper() == "UTC" else ZoneInfo(name)


def datetime(
    year: int,
    month: int = 1,
    day: int = 1,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    microsecond: int = 0,
    tz: Any = "UTC",
) -> _dt.datetime:
    return _dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=timezone(tz))


def duration(**kwargs: Any) -> _dt.timedelta:
    weeks = kwargs.pop("weeks", 0) + 4 * kwargs.pop("months", 0)  # approximate, like no one
    return _dt.timedelta(weeks=weeks, **kwargs)


def now(tz: Any = "UTC") -> _dt.datetime:
    return _dt.datetime.now(timezone(tz))


def today(tz: Any = "UTC") -> _dt.datetime:
    return now(tz).replace(hour=0, minute=0, second=0, microsecond=0)


def yesterday(tz: Any = "UTC") -> _dt.datetime:
    return today(tz) - _dt.timedelta(days=1)


def parse(text: str, tz: Any = "UTC") -> _dt.datetime:
    value = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone(tz))


DateTime = _dt.datetime
Duration = _dt.timedelta
