"""Time zones as Airflow 2 handles them: pendulum zones, encoded by name (or by offset in
seconds for a fixed offset), UTC spelled "UTC"."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

import pendulum
from pendulum.tz.timezone import FixedTimezone, Timezone

Zone = Timezone | FixedTimezone


def parse_timezone(value: str | int | tzinfo | None) -> Zone:
    """A pendulum zone for a name, an offset in seconds, or any tzinfo (ZoneInfo, pytz...)."""
    if value is None:
        return pendulum.UTC
    if isinstance(value, Timezone | FixedTimezone):
        return value
    if isinstance(value, int):
        return pendulum.UTC if value == 0 else pendulum.FixedTimezone(value)
    if isinstance(value, str):
        return pendulum.UTC if value.upper() in ("UTC", "Z") else pendulum.timezone(value)
    key = getattr(value, "key", None) or getattr(value, "zone", None)  # ZoneInfo / pytz
    if isinstance(key, str):
        return parse_timezone(key)
    offset = value.utcoffset(datetime(2000, 1, 1))  # noqa: DTZ001 - a fixed-offset probe
    if offset is None:
        raise ValueError(f"cannot use time zone {value!r}")
    return parse_timezone(int(offset.total_seconds()))


def zone_of(value: datetime) -> Zone:
    """The zone an aware datetime is expressed in."""
    return parse_timezone(value.tzinfo)


def encode_timezone(zone: Zone) -> str | int:
    if isinstance(zone, FixedTimezone):
        offset = int(zone.offset)
        return "UTC" if offset == 0 else offset
    return "UTC" if zone.name in ("UTC", "Etc/UTC") else zone.name


def decode_timezone(value: Any) -> Zone:
    return parse_timezone(value)
