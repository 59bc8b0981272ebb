"""Airflow 2's timetable protocol: DataInterval, TimeRestriction, DagRunInfo, Timetable.

User timetables subclass `Timetable` and implement `next_dagrun_info` and
`infer_manual_data_interval`; they read the clock themselves, as in Airflow. Built-in
timetables override `next_dagrun_info_at` instead, which is given `now`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC as _UTC
from datetime import datetime
from typing import Any, NamedTuple

import pendulum
from pendulum import DateTime


def coerce(value: datetime | None) -> DateTime | None:
    """An aware datetime as a pendulum DateTime in UTC; naive values are refused."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value.isoformat()} where an aware one is required")
    if isinstance(value, DateTime) and value.tzinfo is pendulum.UTC:
        return value
    v = value.astimezone(_UTC)
    # Built field by field: ten times cheaper than pendulum.instance().
    return DateTime(v.year, v.month, v.day, v.hour, v.minute, v.second, v.microsecond,
                    tzinfo=pendulum.UTC)


def utcnow() -> DateTime:
    return pendulum.now(pendulum.UTC)


class DataInterval(NamedTuple):
    """The [start, end) a run covers; start is its logical date."""

    start: DateTime
    end: DateTime

    @classmethod
    def exact(cls, at: DateTime) -> DataInterval:
        return cls(at, at)


class TimeRestriction(NamedTuple):
    """Bounds on scheduling: the DAG's start_date, end_date and catchup."""

    earliest: DateTime | None
    latest: DateTime | None
    catchup: bool


class DagRunInfo(NamedTuple):
    """When the next run may be created (run_after) and the interval it covers."""

    run_after: DateTime
    data_interval: DataInterval

    @classmethod
    def exact(cls, at: DateTime) -> DagRunInfo:
        return cls(run_after=at, data_interval=DataInterval.exact(at))

    @classmethod
    def interval(cls, start: DateTime, end: DateTime) -> DagRunInfo:
        return cls(run_after=end, data_interval=DataInterval(start, end))

    @property
    def logical_date(self) -> DateTime:
        return self.data_interval.start


class Timetable:
    """Base class of every timetable (Airflow's `airflow.timetables.base.Timetable`)."""

    description: str = ""
    periodic: bool = True
    _can_be_scheduled: bool = True
    run_ordering: Sequence[str] = ("data_interval_end", "execution_date")
    active_runs_limit: int | None = None

    @property
    def can_be_scheduled(self) -> bool:
        return self._can_be_scheduled

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls()

    def serialize(self) -> dict[str, Any]:
        return {}

    def validate(self) -> None:
        """Raise if the timetable is invalid; called when the DAG file is parsed."""

    @property
    def summary(self) -> str:
        return type(self).__name__

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        raise NotImplementedError()

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        raise NotImplementedError()

    def next_dagrun_info_at(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: DateTime,
    ) -> DagRunInfo | None:
        """Crosswind's entry point. Only built-in timetables use `now`; a user's timetable
        reads the clock itself, as it does on Airflow."""
        return self.next_dagrun_info(
            last_automated_data_interval=last_automated_data_interval, restriction=restriction
        )

    def generate_run_id(
        self, *, run_type: Any, logical_date: DateTime, data_interval: DataInterval | None,
        **extra: Any,
    ) -> str:
        kind = getattr(run_type, "value", run_type)
        return f"{kind}__{logical_date.isoformat()}"


class NowTimetable(Timetable):
    """A built-in timetable: decides from an explicit `now`; the Airflow method reads the
    clock and delegates."""

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        return self.next_dagrun_info_at(
            last_automated_data_interval=last_automated_data_interval,
            restriction=restriction, now=utcnow(),
        )

    def next_dagrun_info_at(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: DateTime,
    ) -> DagRunInfo | None:
        raise NotImplementedError()
