"""The deferrable time sensors Airflow 2.11 ships: TimeDeltaSensorAsync,
DateTimeSensorAsync and TimeSensorAsync. Each defers on a DateTimeTrigger, so while it
waits it holds no process, executor slot or pool slot; the triggerer resumes it in
`execute_complete` when the moment comes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from crosswind.dags.exceptions import AirflowSkipException
from crosswind.dags.operators.sensors import BaseSensorOperator, TimeDeltaSensor
from crosswind.dags.utils_dates import utcnow
from crosswind.triggers.base import StartTriggerArgs
from crosswind.triggers.temporal import DateTimeTrigger


def _start_args() -> StartTriggerArgs:
    return StartTriggerArgs(trigger_cls="airflow.triggers.temporal.DateTimeTrigger",
                            trigger_kwargs={"moment": "", "end_from_trigger": False},
                            next_method="execute_complete")


def _parse(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class TimeDeltaSensorAsync(TimeDeltaSensor):
    """TimeDeltaSensor that defers instead of poking."""

    def __init__(self, *, end_from_trigger: bool = False, delta: dt.timedelta,
                 **kwargs: Any) -> None:
        super().__init__(delta=delta, **kwargs)
        self.end_from_trigger = end_from_trigger

    def execute(self, context: dict[str, Any]) -> Any:
        target = context["data_interval_end"] + self.delta
        if utcnow() > target:
            return True  # already past: no deferral, as Airflow
        try:
            trigger = DateTimeTrigger(moment=target, end_from_trigger=self.end_from_trigger)
        except (TypeError, ValueError) as exc:
            if self.soft_fail:
                raise AirflowSkipException("Skipping due to soft_fail is set to True.") from exc
            raise
        self.defer(trigger=trigger, method_name="execute_complete")

    def execute_complete(self, context: dict[str, Any], event: Any = None) -> None:
        return None


class DateTimeSensorAsync(BaseSensorOperator):
    """Waits (deferred) until target_time, a datetime or a templated ISO string."""

    template_fields = ("target_time",)
    start_trigger_args = _start_args()

    def __init__(self, *, target_time: str | dt.datetime, start_from_trigger: bool = False,
                 end_from_trigger: bool = False, trigger_kwargs: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_time, dt.datetime):
            self.target_time = target_time.isoformat()
        elif isinstance(target_time, str):
            self.target_time = target_time
        else:
            raise TypeError("Expected str or datetime.datetime type for target_time. "
                            f"Got {type(target_time)}")
        self.start_from_trigger = start_from_trigger
        self.end_from_trigger = end_from_trigger

    def poke(self, context: dict[str, Any]) -> bool:
        return utcnow() > _parse(self.target_time)

    def execute(self, context: dict[str, Any]) -> Any:
        self.defer(method_name="execute_complete", trigger=DateTimeTrigger(
            moment=_parse(self.target_time), end_from_trigger=self.end_from_trigger))

    def execute_complete(self, context: dict[str, Any], event: Any = None) -> None:
        return None


class TimeSensorAsync(BaseSensorOperator):
    """Waits (deferred) until target_time of the day the DAG file was parsed, in the
    DAG's time zone (Airflow computes the moment at parse time too)."""

    start_trigger_args = _start_args()

    def __init__(self, *, target_time: dt.time, start_from_trigger: bool = False,
                 trigger_kwargs: dict[str, Any] | None = None, end_from_trigger: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.start_from_trigger = start_from_trigger
        self.end_from_trigger = end_from_trigger
        self.target_time = target_time
        tz = getattr(self.dag, "timezone", None) if self.has_dag() else None
        aware = dt.datetime.combine(dt.datetime.now(tz or dt.UTC).date(), target_time, tz or dt.UTC)
        if aware.tzinfo is None or aware.utcoffset() is None:
            aware = aware.replace(tzinfo=dt.UTC)
        self.target_datetime = aware.astimezone(dt.UTC)

    def poke(self, context: dict[str, Any]) -> bool:
        return utcnow() > self.target_datetime

    def execute(self, context: dict[str, Any]) -> Any:
        self.defer(method_name="execute_complete", trigger=DateTimeTrigger(
            moment=self.target_datetime, end_from_trigger=self.end_from_trigger))

    def execute_complete(self, context: dict[str, Any], event: Any = None) -> None:
        return None
