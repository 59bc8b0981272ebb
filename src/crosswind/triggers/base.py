"""BaseTrigger and TriggerEvent, with Airflow 2's contract (`airflow.triggers.base`).

A trigger exists twice: in the task process, where the operator builds it and defers on it
(only `serialize()` is used there), and in the triggerer, re-created from that
`(classpath, kwargs)` and its `run()` awaited on the triggerer's asyncio loop. So the class
must be importable by its class path: a module on the DAGs or plugins folder path, not the
DAG file itself (Airflow imports DAG files under a private module name too).
"""

from __future__ import annotations

import abc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


class BaseTrigger(abc.ABC):
    """Subclass it: `serialize()` returns (class path, kwargs); `run()` yields events."""

    def __init__(self, **kwargs: Any) -> None:
        # Set by the triggerer when it runs the trigger (Airflow's names).
        self.task_instance: Any = None
        self.trigger_id: int | None = None

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"{type(self).__module__}.{type(self).__name__}")

    @abc.abstractmethod
    def serialize(self) -> tuple[str, dict[str, Any]]:
        """(class path, keyword arguments that re-create this trigger)."""
        raise NotImplementedError("Triggers must implement serialize()")

    @abc.abstractmethod
    async def run(self) -> AsyncIterator[TriggerEvent]:
        """Yield a TriggerEvent when the condition is met (the first one resumes the task)."""
        raise NotImplementedError("Triggers must implement run()")
        yield  # an async generator, as subclasses are

    async def cleanup(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Called when the trigger is removed from the triggerer (fired, cancelled, moved)."""

    def __repr__(self) -> str:
        classpath, kwargs = self.serialize()
        return f"<{classpath} {', '.join(f'{k}={v}' for k, v in kwargs.items())}>"


class TriggerEvent:
    """What a trigger yields; the task resumes with `event=payload`."""

    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def __repr__(self) -> str:
        return f"TriggerEvent<{self.payload!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TriggerEvent) and other.payload == self.payload

    __hash__ = None  # type: ignore[assignment]


class BaseTaskEndEvent(TriggerEvent):
    """An event that ends the task from the triggerer, without resuming it in a worker."""

    task_instance_state: str = ""

    def __init__(self, *, xcoms: dict[str, Any] | None = None, **kwargs: Any) -> None:
        if "payload" in kwargs:
            raise ValueError("Param 'payload' not supported for this class.")
        super().__init__(payload=self.task_instance_state)
        self.xcoms = xcoms


class TaskSuccessEvent(BaseTaskEndEvent):
    task_instance_state = "success"


class TaskFailedEvent(BaseTaskEndEvent):
    task_instance_state = "failed"


class TaskSkippedEvent(BaseTaskEndEvent):
    task_instance_state = "skipped"


@dataclass
class StartTriggerArgs:
    """Accepted for import compatibility: Crosswind starts every task in a worker (Airflow's
    `start_from_trigger` is off by default)."""

    trigger_cls: str
    next_method: str
    trigger_kwargs: dict[str, Any] | None = None
    next_kwargs: dict[str, Any] | None = None
    timeout: timedelta | None = None
