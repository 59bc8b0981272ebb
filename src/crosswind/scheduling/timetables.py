"""The scheduler's side of timetables: rebuild one from a DAG's serialized schedule and ask
it with an explicit `now` (tick(now) decides with chosen times; a user's timetable reads
the clock itself, as on Airflow).

Answers come back as stdlib datetimes in UTC, ready for the database. A user timetable
that raises or returns nonsense is reported as a TimetableError naming it, never passed on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crosswind.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable, coerce
from crosswind.timetables.cron import CronDataIntervalTimetable, CronTriggerTimetable
from crosswind.timetables.delta import DeltaDataIntervalTimetable, DeltaTriggerTimetable
from crosswind.timetables.registry import timetable_for
from crosswind.timetables.simple import ContinuousTimetable, NullTimetable, OnceTimetable

__all__ = [
    "ContinuousTimetable",
    "CronDataIntervalTimetable",
    "CronTriggerTimetable",
    "DagRunInfo",
    "DataInterval",
    "DeltaDataIntervalTimetable",
    "DeltaTriggerTimetable",
    "NullTimetable",
    "OnceTimetable",
    "TimetableError",
    "manual_interval",
    "next_run",
    "timetable_for",
]


class TimetableError(ValueError):
    """A timetable raised, or answered with something that is not a run."""


def _std(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise TimetableError(f"the timetable returned a naive datetime {value.isoformat()}")
    v = value.astimezone(UTC)
    return datetime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond, tzinfo=UTC)


def _interval(iv: Any) -> DataInterval:
    if not isinstance(iv, tuple) or len(iv) != 2:
        raise TimetableError(f"expected a DataInterval, got {iv!r}")
    return DataInterval(_std(iv[0]), _std(iv[1]))


def _describe(timetable: Timetable, exc: BaseException) -> str:
    return f"timetable {type(timetable).__qualname__} raised {type(exc).__name__}: {exc}"


def next_run(
    timetable: Timetable,
    *,
    last: DataInterval | None,
    start_date: datetime | None,
    end_date: datetime | None,
    catchup: bool,
    now: datetime,
) -> DagRunInfo | None:
    """The next automated run after `last`, or None when there is none (ever, or yet)."""
    restriction = TimeRestriction(coerce(start_date), coerce(end_date), catchup)
    previous = DataInterval(coerce(last.start), coerce(last.end)) if last else None
    try:
        info = timetable.next_dagrun_info_at(
            last_automated_data_interval=previous, restriction=restriction, now=coerce(now)
        )
        if info is None:
            return None
        return DagRunInfo(run_after=_std(info.run_after),
                          data_interval=_interval(info.data_interval))
    except TimetableError:
        raise
    except Exception as exc:
        raise TimetableError(_describe(timetable, exc)) from exc


def manual_interval(timetable: Timetable, run_after: datetime) -> DataInterval:
    """The data interval of a run triggered at `run_after` (Airflow's
    infer_manual_data_interval)."""
    try:
        return _interval(timetable.infer_manual_data_interval(run_after=coerce(run_after)))
    except TimetableError:
        raise
    except Exception as exc:
        raise TimetableError(_describe(timetable, exc)) from exc
