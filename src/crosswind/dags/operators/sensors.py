"""Sensors: BaseSensorOperator (poke and reschedule modes), PythonSensor, TimeDeltaSensor.

mode="poke" holds its slot and sleeps between pokes in the task process. mode="reschedule"
ends the try `up_for_reschedule` after each unsuccessful poke (AirflowRescheduleException):
the slot and pool slot are free until the reschedule date, and the next poke is the same
try (try_number unchanged). Its `timeout` counts from the first poke of the first try
since the last clear, read from the task_reschedules rows, as Airflow 2 does.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
    TaskDeferralError,
)
from crosswind.dags.operators.python import determine_kwargs
from crosswind.dags.runtime import get_backend
from crosswind.dags.utils_dates import utcnow

VALID_MODES = ("poke", "reschedule")


class BaseSensorOperator(BaseOperator):
    """Calls poke(context) every poke_interval seconds until it is truthy or timeout."""

    ui_color = "#e6f1f2"

    def __init__(
        self,
        *,
        poke_interval: float | timedelta = 60,
        timeout: float | timedelta = 60 * 60 * 24 * 7,
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: float | timedelta | None = None,
        silent_fail: bool = False,
        never_fail: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.poke_interval = _secs(poke_interval) or 0.0
        self.timeout = _secs(timeout) or 0.0
        self.soft_fail = soft_fail
        self.mode = mode
        self.exponential_backoff = exponential_backoff
        self.max_wait = _secs(max_wait)
        self.silent_fail = silent_fail
        self.never_fail = never_fail
        if mode not in VALID_MODES:
            raise AirflowException(
                f"The mode must be one of {VALID_MODES},'{self.dag_id if self.has_dag() else ''}"
                f".{self.task_id}'; received '{mode}'.")
        if soft_fail and never_fail:
            raise ValueError("soft_fail and never_fail are mutually exclusive, you can not "
                             "provide both.")

    @property
    def reschedule(self) -> bool:
        return self.mode == "reschedule"

    def poke(self, context: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement poke()")

    def execute(self, context: dict[str, Any]) -> Any:
        if self.reschedule:
            started_at: Any = self._first_poke(context["ti"]) or utcnow()

            def run_duration() -> float:  # in the database: pokes are separate processes
                return (utcnow() - started_at).total_seconds()
        else:
            started_at = start = time.monotonic()

            def run_duration() -> float:
                return time.monotonic() - start

        poke_count = 1
        while True:
            result = self._poke_once(context)
            if result:
                return getattr(result, "xcom_value", None)
            if run_duration() > self.timeout:
                message = (f"Sensor has timed out; run duration of {run_duration()} seconds "
                           f"exceeds the specified timeout of {self.timeout}.")
                if self.soft_fail:
                    raise AirflowSkipException(message)
                raise AirflowSensorTimeout(message)
            interval = self._next_interval(started_at, run_duration, poke_count)
            if self.reschedule:
                raise AirflowRescheduleException(utcnow() + timedelta(seconds=interval))
            time.sleep(interval)
            poke_count += 1

    def _poke_once(self, context: dict[str, Any]) -> Any:
        try:
            return self.poke(context)
        except (AirflowSensorTimeout, AirflowTaskTimeout, AirflowFailException) as exc:
            if self.soft_fail or self.never_fail:
                raise AirflowSkipException("Skipping due to soft_fail is set to True."
                                           if self.soft_fail else
                                           "Skipping due to never_fail is set to True.") from exc
            raise
        except AirflowSkipException:
            raise
        except Exception as exc:
            if self.silent_fail:
                self.log_error("Sensor poke failed: %s", exc)
                return False
            if self.never_fail:
                raise AirflowSkipException("Skipping due to never_fail is set to True.") from exc
            raise

    def log_error(self, message: str, *args: Any) -> None:
        import logging

        logging.getLogger("crosswind.task").error(message, *args)

    def _first_poke(self, ti: Any) -> datetime | None:
        """Start of the first poke of the first try since the last clear (Airflow: the
        first try is max_tries - retries + 1)."""
        try:
            backend = get_backend()
        except AirflowException:  # no backend (a bare execute): no history either
            return None
        lookup = getattr(backend, "first_reschedule_start", None)
        if lookup is None:
            return None
        first_try = (getattr(ti, "max_tries", 0) or 0) - (self.retries or 0) + 1
        return lookup(dag_id=ti.dag_id, run_id=ti.run_id, task_id=ti.task_id,
                      map_index=ti.map_index, try_number=first_try)

    def _next_interval(self, started_at: Any, run_duration: Callable[[], float],
                       poke_count: int) -> float:
        """poke_interval, or Airflow's exponential backoff with a per-task jitter."""
        if not self.exponential_backoff:
            return self.poke_interval
        if self.reschedule:  # each poke is a new process: estimate the count from the time
            elapsed, total, count = run_duration(), 0.0, 0
            while total <= elapsed:
                count += 1
                total += self._backoff(started_at, count)
            poke_count = count or poke_count
        interval = min(self.timeout - int(run_duration()), self._backoff(started_at, poke_count))
        if self.max_wait:
            interval = min(self.max_wait, interval)
        return interval

    def _backoff(self, started_at: Any, poke_count: int) -> float:
        floor = max(int(self.poke_interval * (2 ** (poke_count - 2))), 1)
        seed = f"{self.dag_id}#{self.task_id}#{started_at}#{poke_count}".encode()
        digest = int(hashlib.sha1(seed, usedforsecurity=False).hexdigest(), 16)
        return float(floor + digest % floor)

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None,
                         context: dict[str, Any]) -> Any:
        try:
            return super().resume_execution(next_method, next_kwargs, context)
        except (AirflowException, TaskDeferralError) as exc:
            if self.soft_fail:
                raise AirflowSkipException(str(exc)) from exc
            raise


def _secs(value: float | timedelta | None) -> float | None:
    if value is None:
        return None
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class PokeReturnValue:
    def __init__(self, is_done: bool, xcom_value: Any = None) -> None:
        self.is_done = is_done
        self.xcom_value = xcom_value

    def __bool__(self) -> bool:
        return self.is_done


class PythonSensor(BaseSensorOperator):
    """Waits until python_callable returns a truthy value."""

    template_fields = ("templates_dict", "op_args", "op_kwargs")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: list[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict

    def poke(self, context: dict[str, Any]) -> Any:
        context["templates_dict"] = self.templates_dict
        merged = {**context, **self.op_kwargs}
        kwargs = determine_kwargs(self.python_callable, self.op_args, merged)
        return self.python_callable(*self.op_args, **kwargs)


class TimeDeltaSensor(BaseSensorOperator):
    """Waits until data_interval_end + delta."""

    def __init__(self, *, delta: timedelta, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.delta = delta

    def poke(self, context: dict[str, Any]) -> bool:
        return bool(utcnow() > context["data_interval_end"] + self.delta)
