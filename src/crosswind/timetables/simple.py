"""The trivial timetables: None (manual runs only), @once and @continuous."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pendulum import DateTime

from crosswind.timetables.base import (
    DagRunInfo,
    DataInterval,
    NowTimetable,
    TimeRestriction,
    coerce,
)


class _Trivial(NowTimetable):
    periodic = False
    run_ordering: Sequence[str] = ("execution_date",)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, type(self)) or NotImplemented

    def __hash__(self) -> int:
        return hash(type(self).__name__)

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        return DataInterval.exact(coerce(run_after))  # type: ignore[arg-type]


class NullTimetable(_Trivial):
    """schedule=None: never scheduled, external triggers only."""

    _can_be_scheduled = False
    description = "Never, external triggers only"

    @property
    def summary(self) -> str:
        return "None"

    def next_dagrun_info_at(self, **_: Any) -> DagRunInfo | None:
        return None


class OnceTimetable(_Trivial):
    """@once: one run at start_date, whatever catchup says."""

    description = "Once, as soon as possible"

    @property
    def summary(self) -> str:
        return "@once"

    def next_dagrun_info_at(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: DateTime,
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None or restriction.earliest is None:
            return None
        at = coerce(restriction.earliest)
        if restriction.latest is not None and at > coerce(restriction.latest):  # type: ignore[operator]
            return None
        return DagRunInfo.exact(at)  # type: ignore[arg-type]


class ContinuousTimetable(_Trivial):
    """@continuous: a new run as soon as the previous one ends (one at a time)."""

    description = "As frequently as possible, but only one run at a time."
    active_runs_limit = 1

    @property
    def summary(self) -> str:
        return "@continuous"

    def next_dagrun_info_at(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: DateTime,
    ) -> DagRunInfo | None:
        earliest = coerce(restriction.earliest)
        if earliest is None:
            return None
        now = coerce(now)  # type: ignore[assignment]
        if last_automated_data_interval is not None:
            start, end = coerce(last_automated_data_interval.end), now
        else:
            start, end = earliest, max(earliest, now)
        if restriction.latest is not None and end > coerce(restriction.latest):  # type: ignore[operator]
            return None
        return DagRunInfo.interval(start, end)  # type: ignore[arg-type]
