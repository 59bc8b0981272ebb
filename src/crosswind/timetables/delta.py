"""Delta timetables: a fixed timedelta, or a calendar relativedelta (e.g. one month)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from pendulum import DateTime

from crosswind.timetables.base import (
    DataInterval,
    NowTimetable,
    Timetable,
    coerce,
)
from crosswind.timetables.intervals import DataIntervalLogic, TriggerLogic

_RELATIVE_FIELDS = ("years", "months", "days", "leapdays", "hours", "minutes", "seconds",
                    "microseconds", "year", "month", "day", "hour", "minute", "second",
                    "microsecond")


def encode_interval(value: timedelta | relativedelta) -> float | dict[str, Any]:
    """Seconds for a timedelta; a dict of the non-zero fields for a relativedelta."""
    if isinstance(value, timedelta):
        return value.total_seconds()
    out: dict[str, Any] = {f: getattr(value, f) for f in _RELATIVE_FIELDS if getattr(value, f)}
    if value.weekday is not None:
        out["weekday"] = [value.weekday.weekday, value.weekday.n]
    return out


def decode_interval(value: Any) -> timedelta | relativedelta:
    if not isinstance(value, dict):
        return timedelta(seconds=value)
    fields = dict(value)
    weekday = fields.pop("weekday", None)
    if weekday is not None:
        from dateutil.relativedelta import weekday as _weekday

        fields["weekday"] = _weekday(weekday[0], weekday[1])
    return relativedelta(**fields)


class DeltaMixin:
    def __init__(self, delta: timedelta | relativedelta) -> None:
        if not isinstance(delta, timedelta | relativedelta):
            raise ValueError(f"{delta!r} is not a valid schedule interval")
        now = DateTime(2000, 1, 1)
        if now + delta <= now:
            raise ValueError(f"schedule interval must be positive, not {delta!r}")
        self._delta = delta

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, type(self)):
            return NotImplemented
        return self._delta == other._delta

    def __hash__(self) -> int:
        return hash((type(self).__name__, str(self._delta)))

    @property
    def summary(self) -> str:
        return str(self._delta)

    def _get_next(self, current: DateTime) -> DateTime:
        return coerce(current + self._delta)  # type: ignore[return-value]

    def _get_prev(self, current: DateTime) -> DateTime:
        return coerce(current - self._delta)  # type: ignore[return-value]

    def _align_to_next(self, current: DateTime) -> DateTime:
        return current

    def _align_to_prev(self, current: DateTime) -> DateTime:
        return current


class DeltaDataIntervalTimetable(DeltaMixin, DataIntervalLogic, NowTimetable):
    """schedule=<timedelta>: back-to-back intervals of that length from start_date."""

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls(decode_interval(data["delta"]))

    def serialize(self) -> dict[str, Any]:
        return {"delta": encode_interval(self._delta)}

    def _skip_to_latest(self, earliest: DateTime | None, now: DateTime) -> DateTime:
        # Airflow rounds now down to a multiple of a fixed interval since the epoch.
        rounded = now
        if isinstance(self._delta, timedelta):
            step = self._delta.total_seconds()
            stamp = now.timestamp()
            rounded = DateTime.fromtimestamp(stamp - (stamp % step), tz=now.tzinfo)
        new_start = self._get_prev(coerce(rounded))  # type: ignore[arg-type]
        return new_start if earliest is None else max(new_start, earliest)

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        run_after = coerce(run_after)  # type: ignore[assignment]
        return DataInterval(self._get_prev(run_after), run_after)


class DeltaTriggerTimetable(DeltaMixin, TriggerLogic, NowTimetable):
    """Runs every `delta` from start_date, at the start of each period; the data interval
    is `interval` long and ends at the run's time."""

    def __init__(self, delta: timedelta | relativedelta, *,
                 interval: timedelta | relativedelta = timedelta()) -> None:
        super().__init__(delta)
        self._interval = interval

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> Timetable:
        return cls(decode_interval(data["delta"]), interval=decode_interval(data["interval"]))

    def serialize(self) -> dict[str, Any]:
        return {"delta": encode_interval(self._delta), "interval": encode_interval(self._interval)}
