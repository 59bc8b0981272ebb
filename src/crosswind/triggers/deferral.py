"""What a deferring try reports: its trigger and where to resume, as plain JSON."""

from __future__ import annotations

from typing import Any

from crosswind.dags.exceptions import TaskDeferred
from crosswind.triggers import serde


def deferral_outcome(exc: TaskDeferred) -> dict[str, Any]:
    """{classpath, kwargs, method, next_kwargs, timeout}; raises if it cannot be stored."""
    classpath, kwargs = exc.trigger.serialize()
    timeout = exc.timeout.total_seconds() if exc.timeout is not None else None
    return {"classpath": classpath, "kwargs": serde.encode(kwargs),
            "method": exc.method_name, "next_kwargs": serde.encode(exc.kwargs or {}),
            "timeout": timeout}
