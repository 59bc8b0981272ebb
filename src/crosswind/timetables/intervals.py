"""What the data-interval timetables (cron and delta) share: the next interval follows the
last one (re-aligned, for a DAG whose schedule changed) or, the first time, starts at
start_date; with catchup off it is the latest complete interval."""

from __future__ import annotations

from typing import Any

from pendulum import DateTime

from crosswind.timetables.base import DagRunInfo, DataInterval, TimeRestriction, coerce


class DataIntervalLogic:
    def _get_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_prev(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _skip_to_latest(self, earliest: DateTime | None, now: DateTime) -> DateTime:
        raise NotImplementedError

    def next_dagrun_info_at(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: DateTime,
    ) -> DagRunInfo | None:
        earliest = coerce(restriction.earliest)
        if not restriction.catchup:
            earliest = self._skip_to_latest(earliest, coerce(now))  # type: ignore[arg-type]
        elif earliest is not None:
            earliest = self._align_to_next(earliest)
        if last_automated_data_interval is None:
            if earliest is None:
                return None
            start = earliest
        else:
            start = self._align_to_prev(coerce(last_automated_data_interval.end))  # type: ignore[arg-type]
            if earliest is not None:
                start = max(start, earliest)
        latest = coerce(restriction.latest)
        if latest is not None and start > latest:
            return None
        return DagRunInfo.interval(start, self._get_next(start))


class TriggerLogic:
    """What the trigger timetables (cron and delta) share: a run at each trigger time (with
    catchup off, the latest one not after `now`), whose data interval is `_interval` long
    and ends at the run's time."""

    _interval: Any

    def _get_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_next(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def _align_to_prev(self, current: DateTime) -> DateTime:
        raise NotImplementedError

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        run_after = coerce(run_after)  # type: ignore[assignment]
        return DataInterval(coerce(run_after - self._interval), run_after)  # type: ignore[arg-type]

    def next_dagrun_info_at(
        self,
        *,
        last_automated_data_interval: DataInterval | None,
        restriction: TimeRestriction,
        now: DateTime,
    ) -> DagRunInfo | None:
        last = last_automated_data_interval
        earliest = coerce(restriction.earliest)
        if restriction.catchup:
            if last is not None:
                start = self._get_next(coerce(last.end))  # type: ignore[arg-type]
            elif earliest is None:
                return None
            else:
                start = self._align_to_next(earliest)
        else:
            candidates = [self._align_to_prev(coerce(now))]  # type: ignore[arg-type]
            if last is not None:
                candidates.append(self._get_next(coerce(last.end)))  # type: ignore[arg-type]
            if earliest is not None:
                candidates.append(self._align_to_next(earliest))
            start = max(candidates)
        latest = coerce(restriction.latest)
        if latest is not None and latest < start:
            return None
        return DagRunInfo.interval(coerce(start - self._interval), start)  # type: ignore[arg-type]
