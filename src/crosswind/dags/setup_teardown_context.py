"""`with setup_task >> teardown_task:` blocks (Airflow 2.7+'s setup/teardown context).

The tasks made inside the block get the block's setups upstream of their roots and its
teardowns downstream of their leaves. A teardown's block takes the setups found upstream
of it, a setup's block the teardowns found downstream. Nested blocks chain outer setup >>
inner setup and inner teardown >> outer teardown. BaseOperator.__init__ calls register().
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from crosswind.dags.exceptions import AirflowException


def operator_of(value: Any) -> Any:
    """The operator behind an operator or an XComArg."""
    return getattr(value, "operator", value)


class ContextWrapper(list):  # type: ignore[type-arg]
    """A list of setups (or of teardowns) usable as one context manager:
    `with context_wrapper([s1, s2]):`."""

    def __init__(self, tasks: Iterable[Any]) -> None:
        self.tasks = list(tasks)
        super().__init__(self.tasks)

    def __enter__(self) -> type[SetupTeardownContext]:
        return SetupTeardownContext.enter([operator_of(t) for t in self.tasks])

    def __exit__(self, *exc: object) -> None:
        SetupTeardownContext.exit()


context_wrapper = ContextWrapper


@dataclass
class _Frame:
    setups: list[Any]
    teardowns: list[Any]
    tasks: list[Any] = field(default_factory=list)


def _nearest(start: Any, flag: str, upstream: bool) -> list[Any]:
    """The closest tasks with `flag` set, searching from start in one direction."""
    level = start.upstream_list if upstream else start.downstream_list
    seen: set[str] = set()
    while level:
        found = [t for t in level if getattr(t, flag)]
        if found:
            return found
        seen.update(t.task_id for t in level)
        level = [
            n for t in level for n in (t.upstream_list if upstream else t.downstream_list)
            if n.task_id not in seen
        ]
    return []


class SetupTeardownContext:
    """The stack of open `with setup/teardown:` blocks (DAG files are parsed one at a time
    per process, as Airflow's own context is process-global)."""

    _frames: list[_Frame] = []

    @classmethod
    def active(cls) -> bool:
        return bool(cls._frames)

    @classmethod
    def enter(cls, operators: list[Any]) -> type[SetupTeardownContext]:
        if any(not op.is_setup and not op.is_teardown for op in operators):
            raise AirflowException("Only setup/teardown tasks can be used as context managers.")
        if any(op.is_setup != operators[0].is_setup for op in operators):
            raise ValueError("All tasks in the list must be either setup or teardown tasks")
        if operators[0].is_setup:
            frame = _Frame(operators, _nearest(operators[0], "is_teardown", upstream=False))
        else:
            frame = _Frame(_nearest(operators[0], "is_setup", upstream=True), operators)
        cls._frames.append(frame)
        return cls

    @classmethod
    def add_task(cls, task: Any) -> None:
        """Called for every operator created while a block is open (its flags are read at
        the block's end: @setup/@teardown set them after creating the operator)."""
        if not cls._frames:
            raise AirflowException("Cannot add task to context outside the context manager.")
        cls._frames[-1].tasks.append(operator_of(task))

    @classmethod
    def exit(cls) -> None:
        frame = cls._frames.pop()
        work = [t for t in frame.tasks if not t.is_setup and not t.is_teardown]
        if work:
            roots = [t for t in work if not t.upstream_task_ids] or work[:1]
            leaves = [t for t in work if not t.downstream_task_ids] or work[-1:]
            for s in frame.setups:
                s.set_downstream(roots)
            for t in frame.teardowns:
                t.set_upstream(leaves)
        if cls._frames:
            outer = cls._frames[-1]
            for s in outer.setups:
                s.set_downstream([x for x in frame.setups if x is not s])
            for t in outer.teardowns:
                t.set_upstream([x for x in frame.teardowns if x is not t])

    @classmethod
    def reset(cls) -> None:
        """Forget open blocks (a DAG file that raised inside one)."""
        cls._frames.clear()


def register(op: Any) -> None:
    if SetupTeardownContext._frames:
        SetupTeardownContext.add_task(op)
