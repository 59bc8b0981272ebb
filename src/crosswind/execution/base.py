"""The executor interface between the scheduler and whatever runs task tries.

The scheduler commits a TI as `queued` (try_number already incremented), then calls
`send()` with a WorkItem. The executor runs the try somewhere; the try reports its own
state to the database. `sync()` returns what the executor learned on its side (a try that
died without reporting is failed by the executor itself). `kill()` stops a try that the
scheduler or the API took away (restarting, dagrun_timeout).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass
class WorkItem:
    """Everything a task try needs to start without reading the run from the database."""

    ti_id: int
    dag_id: str
    run_id: str
    task_id: str
    try_number: int
    max_tries: int
    fileloc: str
    map_index: int = -1
    execution_timeout: float | None = None
    run: dict[str, Any] = field(default_factory=dict)  # logical_date, data_interval_*, conf...
    retry: dict[str, Any] = field(default_factory=dict)  # retry_delay, backoff, max delay
    queue: str = "default"  # the Celery queue (the task's `queue`); unused by local
    # Resuming a deferred task: the method and its kwargs (serde-encoded, with `event`).
    next_method: str | None = None
    next_kwargs: dict[str, Any] | None = None
    # A mapped index: its items of plain upstream XComs, {argument: [item, length]}
    # (scheduling/mapped_inputs.py), so the try does not read the whole list.
    mapped_args: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.ti_id, self.try_number)

    def to_dict(self) -> dict[str, Any]:
        # Shallow on purpose (asdict deep-copies `run` and `retry`): it is serialised at once.
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorkItem:
        return cls(**data)


class Executor(Protocol):
    def start(self) -> None:
        """Prepare (fork helpers before any thread exists)."""

    def send(self, items: list[WorkItem]) -> None:
        """Start these tries (already committed as queued)."""

    def sync(self) -> int:
        """Handle finished/died tries; returns how many changed."""

    def kill(self, keys: list[tuple[int, int]]) -> None:
        """Stop these tries (ti_id, try_number) if they run here."""

    def open_slots(self) -> int:
        """How many more tries may start (parallelism minus running)."""

    def filenos(self) -> list[int]:
        """File descriptors that become readable when sync() has work."""

    def running_keys(self) -> set[tuple[int, int]]: ...

    def stop(self, give_back: bool = False) -> None:
        """Stop accepting work. Tries running as our children are stopped, and with
        `give_back` (a shutdown) scheduled again without using a retry; tries running
        elsewhere (Celery workers) continue and report themselves."""


def make_executor(settings: Any, db: Any) -> Executor:
    """The executor named by `settings.executor`."""
    if settings.executor == "local":
        from crosswind.execution.local import LocalExecutor

        return LocalExecutor(settings, db)
    if settings.executor == "celery":
        from crosswind.execution.celery_executor import CeleryExecutor

        return CeleryExecutor(settings, db)
    raise SystemExit(
        f"crosswind: executor {settings.executor!r} is not available yet (set "
        "CROSSWIND_EXECUTOR=local)"
    )
