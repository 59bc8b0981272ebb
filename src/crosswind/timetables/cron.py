"""Cron timetables evaluated in the DAG's time zone, across DST changes as Airflow 2 does.

A cron is matched on the wall clock of the zone. For schedules that fire at least once an
hour, the next time is the current time plus the wall-clock distance (so an hourly DAG
neither skips nor doubles an hour when the clocks move); for the others the matched wall
time is made aware with fold=1 (the second of two ambiguous times), and a wall time that
does not exist moves forward with the clocks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from croniter import croniter
from pendulum import DateTime

from crosswind.dags.schedule import cron_expression, describe_cron
from crosswind.timetables.base import (
    DataInterval,
    NowTimetable,
    Timetable,
    coerce,
)
from crosswind.timetables.delta import decode_interval, encode_interval
from crosswind.timetables.intervals import DataIntervalLogic, TriggerLogic
from crosswind.timetables.zones import Zone, decode_timezone, encode_timezone, parse_timezone


def _naive(value: DateTime, zone: Zone) -> datetime:
    local = value.in_timezone(zone)
    return datetime(local.year, local.month, local.day, local.hour, local.minute,  # noqa: DTZ001
                    local.second, local.microsecond)


def _aware(value: datetime, zone: Zone) -> DateTime:
    return coerce(zone.convert(value.replace(fold=1)))  # type: ignore[return-value]


class CronMixin:
    """Cron matching in a zone; `_get_next`/`_get_prev` return UTC pendulum DateTimes."""

    def __init__(self, cron: str, timezone: Any) -> None:
        self._written = cron
        self._expression = cron_expression(cron)
        if not croniter.is_valid(self._expression):
            raise ValueError(f"Invalid cron expression {cron!r}")
        self._timezone = parse_timezone(timezone)
        self._every_hour = croniter(self._expression).expanded[1] == ["*"]
        self.description = describe_cron(self._expression)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return (self._expression, self._timezone) == (other._expression, other._timezone)

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._expression, str(self._timezone)))

    @property
    def summary(self) -> str:
        return self._expression

    def _step(self, current: DateTime, forward: bool) -> DateTime:
        naive = _naive(current, self._timezone)
        it = croniter(self._expression, naive)
        matched = it.get_next(datetime) if forward else it.get_prev(datetime)
        if not self._every_hour:
            return _aware(matched, self._timezone)
        local = current.in_timezone(self._timezone)
        return coerce(local + (matched - naive))  # type: ignore[return-value]

    def _get_next(self, current: DateTime) -> DateTime:
        return self._step(current, forward=True)

    def _get_prev(self, current: DateTime) -> DateTime:
        return self._step(current, forward=False)

    def _align_to_next(self, current: DateTime) -> DateTime:
        nxt = self._get_next(current)
        return nxt if self._get_prev(nxt) != current else current

    def _align_to_prev(self, current: DateTime) -> DateTime:
        prev = self._get_prev(current)
        return prev if self._get_next(prev) != current else current


class CronDataIntervalTimetable(CronMixin, DataIntervalLogic, NowTimetable):
    """schedule=<cron>: each run covers the interval between two cron times and is created
    at its end."""

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls(data["expression"], decode_timezone(data["timezone"]))

    def serialize(self) -> dict[str, Any]:
        return {"expression": self._expression, "timezone": encode_timezone(self._timezone)}

    def _skip_to_latest(self, earliest: DateTime | None, now: DateTime) -> DateTime:
        # Catchup off: on a boundary the interval ending now runs; between boundaries,
        # the last complete interval.
        last_start = self._get_prev(now)
        next_start = self._get_next(last_start)
        new_start = last_start if next_start == now else self._get_prev(last_start)
        return new_start if earliest is None else max(new_start, self._align_to_next(earliest))

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        end = self._align_to_prev(coerce(run_after))  # type: ignore[arg-type]
        return DataInterval(self._get_prev(end), end)


class CronTriggerTimetable(CronMixin, TriggerLogic, NowTimetable):
    """Runs at the cron times themselves (like POSIX cron); the data interval is
    `interval` long and ends at the run's time."""

    def __init__(self, cron: str, *, timezone: Any, interval: Any = timedelta()) -> None:
        super().__init__(cron, timezone)
        self._interval = interval

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls(data["expression"], timezone=decode_timezone(data["timezone"]),
                   interval=decode_interval(data["interval"]))

    def serialize(self) -> dict[str, Any]:
        return {"expression": self._expression, "timezone": encode_timezone(self._timezone),
                "interval": encode_interval(self._interval)}
