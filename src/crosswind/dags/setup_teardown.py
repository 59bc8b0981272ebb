"""Authoring setup and teardown tasks, as Airflow 2.7+: `as_setup()`, `as_teardown()`
on operators and XComArgs, `@setup` / `@teardown`, task-group leaves, and the DAG check.

    with create_cluster >> delete_cluster:   # `>>` returns the teardown
        run_query >> check

(setup_teardown_context.py) wires the block's tasks between the two. The rules these
flags drive at run time and on clear are in setup_teardown_graph.py.
"""

from __future__ import annotations

import types
from collections.abc import Iterable
from typing import Any

from crosswind.dags.exceptions import AirflowException
from crosswind.dags.setup_teardown_context import (
    ContextWrapper,
    SetupTeardownContext,
    context_wrapper,
    operator_of,
    register,
)
from crosswind.dags.trigger_rule import TriggerRule

__all__ = ["ContextWrapper", "SetupTeardownContext", "context_wrapper", "register",
           "setup", "teardown"]

_NOTSET: Any = object()


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list | tuple | set):
        return [x for item in value for x in _as_list(item)]
    return [value]


class SetupTeardownMixin:
    """is_setup / is_teardown / on_failure_fail_dagrun on BaseOperator, with Airflow's
    checks (a task is one or the other; only a teardown can fail the run on failure)."""

    task_id: str
    trigger_rule: Any
    _is_setup: bool = False
    _is_teardown: bool = False
    _on_failure_fail_dagrun: bool = False

    @property
    def is_setup(self) -> bool:
        return self._is_setup

    @is_setup.setter
    def is_setup(self, value: bool) -> None:
        if value and self._is_teardown:
            raise ValueError(
                f"Cannot mark task '{self.task_id}' as setup; task is already a teardown."
            )
        self._is_setup = bool(value)

    @property
    def is_teardown(self) -> bool:
        return self._is_teardown

    @is_teardown.setter
    def is_teardown(self, value: bool) -> None:
        if value and self._is_setup:
            raise ValueError(
                f"Cannot mark task '{self.task_id}' as teardown; task is already a setup."
            )
        self._is_teardown = bool(value)

    @property
    def on_failure_fail_dagrun(self) -> bool:
        return self._on_failure_fail_dagrun

    @on_failure_fail_dagrun.setter
    def on_failure_fail_dagrun(self, value: bool) -> None:
        if value is True and not self._is_teardown:
            raise ValueError(
                f"Cannot set task on_failure_fail_dagrun for '{self.task_id}' because it is "
                "not a teardown task."
            )
        self._on_failure_fail_dagrun = bool(value)

    def as_setup(self) -> Any:
        self.is_setup = True
        return self

    def as_teardown(self, *, setups: Any = _NOTSET, on_failure_fail_dagrun: Any = _NOTSET) -> Any:
        mark_teardown(self, setups, on_failure_fail_dagrun)
        return self

    def __enter__(self) -> type[SetupTeardownContext]:
        return SetupTeardownContext.enter([self])

    def __exit__(self, *exc: object) -> None:
        SetupTeardownContext.exit()


class XComArgSetupTeardownMixin:
    """The same methods on an XComArg: they act on its operator and return the XComArg."""

    operator: Any

    @property
    def is_setup(self) -> bool:
        return bool(self.operator.is_setup)

    @is_setup.setter
    def is_setup(self, value: bool) -> None:
        self.operator.is_setup = value

    @property
    def is_teardown(self) -> bool:
        return bool(self.operator.is_teardown)

    @is_teardown.setter
    def is_teardown(self, value: bool) -> None:
        self.operator.is_teardown = value

    def as_setup(self) -> Any:
        self.operator.is_setup = True
        return self

    def as_teardown(self, *, setups: Any = _NOTSET, on_failure_fail_dagrun: Any = _NOTSET) -> Any:
        mark_teardown(self.operator, setups, on_failure_fail_dagrun)
        return self

    def __enter__(self) -> type[SetupTeardownContext]:
        return SetupTeardownContext.enter([self.operator])

    def __exit__(self, *exc: object) -> None:
        SetupTeardownContext.exit()


def mark_teardown(op: Any, setups: Any, on_failure_fail_dagrun: Any) -> None:
    op.is_teardown = True
    op.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
    if on_failure_fail_dagrun is not _NOTSET:
        op.on_failure_fail_dagrun = on_failure_fail_dagrun
    if setups is _NOTSET:
        return
    for s in _as_list(setups):
        operator_of(s).is_setup = True
        s >> op


def group_leaves(members: list[Any]) -> list[Any]:
    """A task group's leaves as Airflow 2.7+ sees them for `group >> x`: members without
    downstream in the group, where a teardown is replaced by the work tasks before it
    (not its setups), so x waits for the work, not for the cleanup."""
    inside = {t.task_id for t in members}
    out: list[Any] = []

    def has_work_after(task: Any, exclude: str) -> bool:
        return any(d.task_id in inside and d.task_id != exclude and not d.is_teardown
                   for d in task.downstream_list)

    def work_before(task: Any) -> Iterable[Any]:
        for up in task.upstream_list:
            if up.task_id not in inside or (task.is_teardown and up.is_setup):
                continue
            if up.is_teardown:
                yield from work_before(up)
            elif not has_work_after(up, exclude=task.task_id):
                yield up

    for task in members:
        if task.downstream_task_ids & inside:
            continue
        for leaf in (work_before(task) if task.is_teardown else [task]):
            if leaf not in out:
                out.append(leaf)
    return out


# -- @setup / @teardown ------------------------------------------------------------------
def _as_task(func: Any) -> Any:
    if isinstance(func, types.FunctionType) and getattr(func, "_is_task_group", False):
        raise AirflowException("Task groups cannot be marked as setup or teardown.")
    if isinstance(func, types.FunctionType):
        from crosswind.dags.decorators import task

        return task(func)
    return func


def setup(func: Any) -> Any:
    """@setup: a TaskFlow task (or an already decorated one) that is a setup task."""
    func = _as_task(func)
    func.is_setup = True
    return func


def teardown(_func: Any = None, *, on_failure_fail_dagrun: bool = False) -> Any:
    """@teardown / @teardown(on_failure_fail_dagrun=True)."""

    def mark(func: Any) -> Any:
        func = _as_task(func)
        func.is_teardown = True
        func.on_failure_fail_dagrun = on_failure_fail_dagrun
        return func

    return mark if _func is None else mark(_func)


# Airflow's own names for the two decorators (airflow.decorators.setup_teardown).
setup_task = setup
teardown_task = teardown


def decorator_flags(decorator: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Takes the decorator's setup/teardown flags (and an override's
    on_failure_fail_dagrun) out of the operator options, before the operator is made."""
    teardown_ = bool(getattr(decorator, "is_teardown", False))
    fail = options.pop("on_failure_fail_dagrun",
                       getattr(decorator, "on_failure_fail_dagrun", False))
    if teardown_:
        if "trigger_rule" in options:
            raise ValueError("Trigger rule not configurable for teardown tasks.")
        options["trigger_rule"] = TriggerRule.ALL_DONE_SETUP_SUCCESS
    return {"is_setup": bool(getattr(decorator, "is_setup", False)),
            "is_teardown": teardown_, "on_failure_fail_dagrun": bool(fail)}


def apply_flags(op: Any, flags: dict[str, Any]) -> None:
    op.is_setup = flags["is_setup"]
    op.is_teardown = flags["is_teardown"]
    op.on_failure_fail_dagrun = flags["on_failure_fail_dagrun"]


def keep_flags(old: Any, new: Any) -> Any:
    """`.override()` keeps what @setup/@teardown marked."""
    for name in ("is_setup", "is_teardown", "on_failure_fail_dagrun"):
        if name in vars(old):
            setattr(new, name, vars(old)[name])
    return new


def check_dag(dag: Any) -> None:
    """Airflow's rule: a setup's plain downstream tasks keep all_success (so clearing
    an indirect setup behaves the same everywhere)."""
    for task in dag.tasks:
        if not task.is_setup:
            continue
        for down in task.downstream_list:
            if not down.is_teardown and down.trigger_rule != TriggerRule.ALL_SUCCESS:
                raise ValueError("Setup tasks must be followed with trigger rule ALL_SUCCESS.")
