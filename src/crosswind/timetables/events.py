"""EventsTimetable: runs at listed instants only."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pendulum
from pendulum import DateTime

from crosswind.timetables.base import (
    DagRunInfo,
    DataInterval,
    NowTimetable,
    TimeRestriction,
    Timetable,
    coerce,
)


class EventsTimetable(NowTimetable):
    def __init__(self, event_dates: Iterable[DateTime], restrict_to_events: bool = False,
                 presorted: bool = False, description: str | None = None) -> None:
        self.event_dates = [coerce(d) for d in event_dates]
        if not presorted:
            self.event_dates.sort()
        self.restrict_to_events = restrict_to_events
        if description is None:
            if self.event_dates:
                first, last = self.event_dates[0], self.event_dates[-1]
                self.description = f"{len(self.event_dates)} events between {first} and {last}"
            else:
                self.description = "No events"
            self._summary = f"{len(self.event_dates)} events"
        else:
            self._summary = self.description = description

    @property
    def summary(self) -> str:
        return self._summary

    def __repr__(self) -> str:
        return self.summary

    def next_dagrun_info_at(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: DateTime,
    ) -> DagRunInfo | None:
        earliest = coerce(restriction.earliest)
        if not restriction.catchup and (earliest is None or coerce(now) > earliest):
            earliest = coerce(now)
        last = last_automated_data_interval
        last_end = coerce(last.end) if last else None
        for event in self.event_dates:
            if earliest is not None and event < earliest:
                continue
            if last_end is not None and event <= last_end:
                continue
            break
        else:
            return None
        if restriction.latest is not None and event > coerce(restriction.latest):  # type: ignore[operator]
            return None
        return DagRunInfo.exact(event)  # type: ignore[arg-type]

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        run_after = coerce(run_after)  # type: ignore[assignment]
        if not self.restrict_to_events or not self.event_dates:
            return DataInterval.exact(run_after)
        past = [e for e in self.event_dates if e <= run_after]
        return DataInterval.exact(past[-1] if past else self.event_dates[0])  # type: ignore[arg-type]

    def serialize(self) -> dict[str, Any]:
        return {"event_dates": [d.isoformat() for d in self.event_dates],  # type: ignore[union-attr]
                "restrict_to_events": self.restrict_to_events,
                "description": self.description, "summary": self._summary}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        tt = cls([pendulum.parse(x) for x in data["event_dates"]],  # type: ignore[misc]
                 data["restrict_to_events"], presorted=True)
        if "description" in data:
            tt.description, tt._summary = data["description"], data["summary"]
        return tt
