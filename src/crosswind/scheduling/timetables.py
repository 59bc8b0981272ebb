"""Airflow 2 timetables as pure functions of time.

A scheduled run for the data interval [start, end) is created at run_after=end; its
logical_date is the interval start. Mirrors Airflow 2.x CronDataIntervalTimetable,
DeltaDataIntervalTimetable, OnceTimetable and NullTimetable, with `now` passed in instead
of read from the clock. Cron is evaluated in UTC. Naive datetimes are refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from croniter import croniter

from crosswind.dags.schedule import cron_expression, normalize_schedule


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value.isoformat()}")
    return value


@dataclass(frozen=True)
class DataInterval:
    start: datetime
    end: datetime

    @classmethod
    def exact(cls, at: datetime) -> DataInterval:
        return cls(at, at)


@dataclass(frozen=True)
class DagRunInfo:
    data_interval: DataInterval
    run_after: datetime

    @property
    def logical_date(self) -> datetime:
        return self.data_interval.start


class Timetable(Protocol):
    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None: ...

    def infer_manual_data_interval(self, run_after: datetime) -> DataInterval: ...


class _IntervalTimetable:
    """Shared next-run logic of the cron and delta timetables (Airflow's _DataIntervalTimetable)."""

    def _get_next(self, current: datetime) -> datetime:
        raise NotImplementedError

    def _get_prev(self, current: datetime) -> datetime:
        raise NotImplementedError

    def _align_to_next(self, current: datetime) -> datetime:
        return current

    def _align_to_prev(self, current: datetime) -> datetime:
        return current

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        raise NotImplementedError

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        earliest = _aware(start_date, "start_date")
        _aware(end_date, "end_date")
        _aware(now, "now")
        if not catchup:
            earliest = self._skip_to_latest(earliest, now)
        elif earliest is not None:
            earliest = self._align_to_next(earliest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None
            start = earliest
        else:
            _aware(last_automated_data_interval.end, "last_automated_data_interval.end")
            # Re-aligning handles a DAG whose schedule changed since its last run.
            start = self._align_to_prev(last_automated_data_interval.end)
            if earliest is not None:
                start = max(start, earliest)
        if end_date is not None and start > end_date:
            return None
        end = self._get_next(start)
        return DagRunInfo(DataInterval(start, end), run_after=end)


class CronDataIntervalTimetable(_IntervalTimetable):
    def __init__(self, cron: str) -> None:
        self.expression = cron_expression(cron)
        if not croniter.is_valid(self.expression):
            raise ValueError(f"Invalid cron expression {cron!r}")

    def _get_next(self, current: datetime) -> datetime:
        return croniter(self.expression, current.astimezone(UTC)).get_next(datetime).replace(fold=0)

    def _get_prev(self, current: datetime) -> datetime:
        return croniter(self.expression, current.astimezone(UTC)).get_prev(datetime).replace(fold=0)

    def _align_to_next(self, current: datetime) -> datetime:
        nxt = self._get_next(current)
        return nxt if self._get_prev(nxt) != current else current

    def _align_to_prev(self, current: datetime) -> datetime:
        prev = self._get_prev(current)
        return prev if self._get_next(prev) != current else current

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        # On a boundary, run the interval that ends now; between boundaries, the last
        # complete interval (Airflow 2 CronDataIntervalTimetable._skip_to_latest).
        last_start = self._get_prev(now)
        next_start = self._get_next(last_start)
        new_start = last_start if next_start == now else self._get_prev(last_start)
        if earliest is None:
            return new_start
        return max(new_start, self._align_to_next(earliest))

    def infer_manual_data_interval(self, run_after: datetime) -> DataInterval:
        _aware(run_after, "run_after")
        end = self._align_to_prev(run_after)
        return DataInterval(self._get_prev(end), end)


class DeltaDataIntervalTimetable(_IntervalTimetable):
    def __init__(self, delta: timedelta) -> None:
        if delta.total_seconds() <= 0:
            raise ValueError("the schedule interval must be positive")
        self.delta = delta

    def _get_next(self, current: datetime) -> datetime:
        return current + self.delta

    def _get_prev(self, current: datetime) -> datetime:
        return current - self.delta

    def _skip_to_latest(self, earliest: datetime | None, now: datetime) -> datetime:
        # Airflow rounds now down to a multiple of the interval since the epoch first.
        step = self.delta.total_seconds()
        stamp = now.timestamp()
        rounded = datetime.fromtimestamp(stamp - (stamp % step), tz=UTC)
        new_start = self._get_prev(rounded)
        return new_start if earliest is None else max(new_start, earliest)

    def infer_manual_data_interval(self, run_after: datetime) -> DataInterval:
        _aware(run_after, "run_after")
        return DataInterval(self._get_prev(run_after), run_after)


class OnceTimetable:
    """@once: one run at start_date, whatever catchup says."""

    def next_dagrun_info(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        start_date: datetime | None,
        end_date: datetime | None,
        catchup: bool,
        now: datetime,
    ) -> DagRunInfo | None:
        _aware(start_date, "start_date")
        if last_automated_data_interval is not None or start_date is None:
            return None
        if end_date is not None and start_date > end_date:
            return None
        return DagRunInfo(DataInterval.exact(start_date), run_after=start_date)

    def infer_manual_data_interval(self, run_after: datetime) -> DataInterval:
        return DataInterval.exact(_aware(run_after, "run_after") or run_after)


class NullTimetable(OnceTimetable):
    """schedule=None: never scheduled, manual runs only."""

    def next_dagrun_info(self, **_: Any) -> DagRunInfo | None:
        return None


def timetable_for(schedule: dict[str, Any] | Any) -> Timetable:
    """Build the timetable for a serialized schedule dict (or a raw schedule value)."""
    if not isinstance(schedule, dict):
        schedule = normalize_schedule(schedule)
    kind = schedule["kind"]
    if kind == "cron":
        return CronDataIntervalTimetable(schedule["value"])
    if kind == "delta":
        return DeltaDataIntervalTimetable(timedelta(seconds=schedule["value"]))
    if kind == "once":
        return OnceTimetable()
    if kind == "none":
        return NullTimetable()
    raise ValueError(f"Unknown schedule kind {kind!r}")
