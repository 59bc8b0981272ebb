"""Poke-mode sensors: BaseSensorOperator, PythonSensor and TimeDeltaSensor.

mode="reschedule" is accepted and runs as "poke" (the worker slot stays busy while
waiting); deferrable sensors are not supported.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import AirflowSensorTimeout, AirflowSkipException
from crosswind.dags.operators.python import determine_kwargs
from crosswind.dags.utils_dates import utcnow


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
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.poke_interval = _secs(poke_interval) or 0.0
        self.timeout = _secs(timeout) or 0.0
        self.soft_fail = soft_fail
        self.mode = mode
        self.exponential_backoff = exponential_backoff
        self.max_wait = _secs(max_wait)

    def poke(self, context: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement poke()")

    def execute(self, context: dict[str, Any]) -> Any:
        started = time.monotonic()
        interval = self.poke_interval
        while True:
            result = self.poke(context)
            if result:
                return getattr(result, "xcom_value", None)
            if time.monotonic() - started > self.timeout:
                message = f"Sensor has timed out; run duration of {self.timeout} seconds"
                if self.soft_fail:
                    raise AirflowSkipException(message)
                raise AirflowSensorTimeout(message)
            time.sleep(interval)
            if self.exponential_backoff:
                interval = min(interval * 2, self.max_wait or self.timeout)


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
