"""The two dialects of one API.

`/api/v1` speaks the seed document's shapes; `/airflow/api/v1` speaks Airflow 2's OpenAPI
spec exactly, for the official client. Handlers are shared; only the few shapes that
conflict are converted here (see CONTRACT.md).
"""

from __future__ import annotations

import enum
from typing import Any


class Dialect(enum.StrEnum):
    SEED = "seed"
    AIRFLOW = "airflow"


def schedule_interval(dialect: Dialect, schedule: dict[str, Any] | None) -> Any:
    """Seed: a plain string ("0 0 * * *"); Airflow: a typed object or null."""
    if not schedule or schedule.get("kind") in (None, "none"):
        return None
    kind, value = schedule["kind"], schedule.get("value")
    if dialect is Dialect.SEED:
        if kind == "delta":
            return _timedelta_str(float(value))
        return value
    if kind == "delta":
        return time_delta(float(value))
    return {"__type": "CronExpression", "value": value}


def time_delta(seconds: float | None) -> dict[str, Any] | None:
    """Airflow's TimeDelta object: {"__type": "TimeDelta", "days", "seconds", "microseconds"}."""
    if seconds is None:
        return None
    whole = int(seconds)
    days, secs = divmod(whole, 86400)
    return {
        "__type": "TimeDelta",
        "days": days,
        "seconds": secs,
        "microseconds": round((seconds - whole) * 1_000_000),
    }


def _timedelta_str(seconds: float) -> str:
    from datetime import timedelta

    return str(timedelta(seconds=seconds))
