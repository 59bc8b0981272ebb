"""Timetables to and from the DAG's serialized `schedule` document.

    {"kind": "none" | "once" | "continuous", "value": ...}
    {"kind": "cron", "value": <cron or preset as written>, "timezone": <zone>}
    {"kind": "delta", "value": <seconds>}
    {"kind": "timetable", "value": <summary>, "type": <class path>, "data": serialize()}

Built-in classes are named by their Airflow path; any other timetable must be registered
by a plugin (as on Airflow), so the scheduler can rebuild it without the DAG file.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from crosswind import plugins
from crosswind.dags.schedule import CRON_PRESETS, cron_expression
from crosswind.timetables.base import Timetable
from crosswind.timetables.cron import CronDataIntervalTimetable, CronTriggerTimetable
from crosswind.timetables.delta import DeltaDataIntervalTimetable, DeltaTriggerTimetable
from crosswind.timetables.events import EventsTimetable
from crosswind.timetables.simple import ContinuousTimetable, NullTimetable, OnceTimetable
from crosswind.timetables.zones import Zone, encode_timezone, parse_timezone

BUILTIN: dict[str, type[Timetable]] = {
    "airflow.timetables.interval.CronDataIntervalTimetable": CronDataIntervalTimetable,
    "airflow.timetables.interval.DeltaDataIntervalTimetable": DeltaDataIntervalTimetable,
    "airflow.timetables.trigger.CronTriggerTimetable": CronTriggerTimetable,
    "airflow.timetables.trigger.DeltaTriggerTimetable": DeltaTriggerTimetable,
    "airflow.timetables.events.EventsTimetable": EventsTimetable,
    "airflow.timetables.simple.NullTimetable": NullTimetable,
    "airflow.timetables.simple.OnceTimetable": OnceTimetable,
    "airflow.timetables.simple.ContinuousTimetable": ContinuousTimetable,
}
_PATH_OF = {cls: path for path, cls in BUILTIN.items()}


class TimetableNotRegistered(ValueError):
    def __init__(self, classpath: str) -> None:
        super().__init__(
            f"Timetable class {classpath!r} is not registered or you have a top level "
            "database access that disrupted the session. Please check the airflow best "
            "practices documentation."
        )


def classpath(timetable: Timetable) -> str:
    cls = type(timetable)
    return _PATH_OF.get(cls) or plugins.qualified_name(cls)


def create_timetable(schedule: Any, zone: Zone) -> Timetable:
    """The timetable of a DAG's `schedule` argument (Airflow's create_timetable)."""
    if isinstance(schedule, Timetable):
        return schedule
    if schedule is None:
        return NullTimetable()
    if isinstance(schedule, timedelta | relativedelta):
        return DeltaDataIntervalTimetable(schedule)
    if not isinstance(schedule, str):
        raise ValueError(f"Invalid schedule {schedule!r}: expected a cron string, a preset, "
                         "a timedelta, a timetable or None")
    text = schedule.strip()
    if text == "@once":
        return OnceTimetable()
    if text == "@continuous":
        return ContinuousTimetable()
    if text.startswith("@") and text not in CRON_PRESETS:
        raise ValueError(f"Invalid cron expression {schedule!r} for the DAG schedule")
    try:
        return CronDataIntervalTimetable(text, zone)
    except ValueError:
        raise ValueError(f"Invalid cron expression {schedule!r} for the DAG schedule") from None


def schedule_document(schedule: Any, timetable: Timetable) -> dict[str, Any]:
    """The serialized form of a DAG's schedule (see the module docstring)."""
    if isinstance(timetable, NullTimetable):
        return {"kind": "none", "value": None}
    if isinstance(timetable, OnceTimetable):
        return {"kind": "once", "value": "@once"}
    if isinstance(timetable, ContinuousTimetable):
        return {"kind": "continuous", "value": "@continuous"}
    if isinstance(schedule, str) and isinstance(timetable, CronDataIntervalTimetable):
        return {"kind": "cron", "value": schedule.strip(),
                "timezone": encode_timezone(timetable._timezone)}
    if isinstance(schedule, timedelta) and isinstance(timetable, DeltaDataIntervalTimetable):
        return {"kind": "delta", "value": schedule.total_seconds()}
    path = classpath(timetable)
    if path not in BUILTIN and plugins.registered_timetable(path) is None:
        raise TimetableNotRegistered(path)
    return {"kind": "timetable", "value": timetable.summary, "type": path,
            "data": timetable.serialize(), "description": timetable.description}


def timetable_for(schedule: dict[str, Any] | None) -> Timetable:
    """Rebuild the timetable of a serialized schedule; raises ValueError if it cannot."""
    schedule = schedule or {"kind": "none"}
    kind = schedule.get("kind", "none")
    if kind == "none":
        return NullTimetable()
    if kind == "once":
        return OnceTimetable()
    if kind == "continuous":
        return ContinuousTimetable()
    if kind == "cron":
        return CronDataIntervalTimetable(cron_expression(schedule["value"]),
                                         parse_timezone(schedule.get("timezone", "UTC")))
    if kind == "delta":
        return DeltaDataIntervalTimetable(timedelta(seconds=schedule["value"]))
    if kind == "timetable":
        path = schedule["type"]
        cls = BUILTIN.get(path) or plugins.registered_timetable(path)
        if cls is None:
            raise TimetableNotRegistered(path)
        return cls.deserialize(schedule.get("data") or {})  # type: ignore[attr-defined]
    raise ValueError(f"Unknown schedule kind {kind!r}")


def probe(timetable: Timetable, start_date: Any, end_date: Any, catchup: bool) -> None:
    """Ask a user timetable for a first run and round-trip it through serialize(), so a
    timetable that raises fails the DAG file's import (with a message that says so)
    instead of the scheduler later."""
    path = classpath(timetable)
    if path in BUILTIN:
        return
    from crosswind.timetables.base import TimeRestriction, coerce, utcnow

    try:
        rebuilt = type(timetable).deserialize(timetable.serialize())  # type: ignore[attr-defined]
        restriction = TimeRestriction(coerce(start_date), coerce(end_date), catchup)
        rebuilt.next_dagrun_info(last_automated_data_interval=None, restriction=restriction)
        rebuilt.infer_manual_data_interval(run_after=utcnow())
    except Exception as exc:
        raise TimetableFailed(f"Timetable {path} failed: {type(exc).__name__}: {exc}") from exc


class TimetableFailed(ValueError):
    """A user timetable raised while the DAG file was parsed."""
