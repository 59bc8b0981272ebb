"""JSON encoding of trigger kwargs, next_kwargs and event payloads.

Airflow stores these with its own serde; values users pass are mostly plain JSON plus
datetimes and timedeltas, which are tagged here so they come back as the same types.
"""

from __future__ import annotations

import importlib
from datetime import UTC, date, datetime, timedelta
from typing import Any

_TAG = "__cw_type"


def encode(value: Any) -> Any:
    """A JSON-serialisable form of value (raises TypeError for what cannot be stored)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return {_TAG: "datetime", "v": value.isoformat()}
    if isinstance(value, date):
        return {_TAG: "date", "v": value.isoformat()}
    if isinstance(value, timedelta):
        return {_TAG: "timedelta", "v": value.total_seconds()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [encode(v) for v in value]
    raise TypeError(f"cannot store a {type(value).__name__} in trigger or next kwargs")


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    kind = value.get(_TAG)
    if kind == "datetime":
        return aware_datetime(datetime.fromisoformat(value["v"]))
    if kind == "date":
        return date.fromisoformat(value["v"])
    if kind == "timedelta":
        return timedelta(seconds=value["v"])
    return {k: decode(v) for k, v in value.items()}


def aware_datetime(value: datetime) -> datetime:
    """An aware datetime, as pendulum's DateTime when pendulum provides `instance`."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    try:
        pendulum = importlib.import_module("pendulum")
        return pendulum.instance(value)  # type: ignore[no-any-return]
    except (ImportError, AttributeError):
        return value


def import_string(path: str) -> Any:
    """The attribute `module.Name` names (Airflow's class path of a trigger)."""
    module_name, _, attr = path.rpartition(".")
    if not module_name:
        raise ImportError(f"{path!r} is not a class path (module.ClassName)")
    return getattr(importlib.import_module(module_name), attr)
