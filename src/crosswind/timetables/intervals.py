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


def trigger_next(tt: Any, last: DataInterval | None, restriction: TimeRestriction,
                 now: DateTime) -> DagRunInfo | None:
    """Next run of a trigger timetable (cron or delta): at the next trigger time, or with
    catchup off the latest one not after `now`."""
    earliest = coerce(restriction.earliest)
    if restriction.catchup:
        if last is not None:
            start = tt._get_next(coerce(last.end))
        elif earliest is None:
            return None
        else:
            start = tt._align_to_next(earliest)
    else:
        candidates = [tt._align_to_prev(coerce(now))]
        if last is not None:
            candidates.append(tt._get_next(coerce(last.end)))
        if earliest is not None:
            candidates.append(tt._align_to_next(earliest))
        start = max(candidates)
    latest = coerce(restriction.latest)
    if latest is not None and latest < start:
        return None
    return DagRunInfo.interval(coerce(start - tt._interval), start)  # type: ignore[arg-type]
