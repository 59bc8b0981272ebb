"""BaseOperator and dependency wiring (>>, <<, lists, chain, cross_downstream).

Arguments and default_args handling live in task_args.py; unknown explicit kwargs
raise AirflowInvalidArguments (a TypeError), as Airflow does.
"""

from __future__ import annotations

import abc
import itertools
import logging
import warnings
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any, ClassVar

from crosswind.dags import setup_teardown
from crosswind.dags.dependency import DependencyMixin
from crosswind.dags.exceptions import (
    AirflowException,
    AirflowInvalidArguments,
    TaskDeferralError,
    TaskDeferred,
)
from crosswind.dags.task_args import (
    IGNORED_ARGS,
    SECONDS_ARGS,
    TASK_DEFAULTS,
    WEIGHT_RULES,
    apply_defaults,
)
from crosswind.dags.trigger_rule import coerce_trigger_rule
from crosswind.dags.utils_dates import as_utc


def _seconds(value: Any) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    return timedelta(seconds=float(value))

log = logging.getLogger("crosswind.task")


class OperatorMeta(abc.ABCMeta):
    """As in Airflow, a mapped task (a MappedOperator) is no instance of BaseOperator nor
    of the class it maps: `isinstance` answers True for it only with AbstractOperator and
    MappedOperator (classes that set `_takes_mapped`). An ABCMeta, as Airflow's, so
    operators mixing in abc.ABC keep working."""

    def __instancecheck__(cls, instance: Any) -> bool:
        if getattr(type(instance), "is_mapped", False) is True and not cls.__dict__.get(
                "_takes_mapped", False):
            return False
        return super().__instancecheck__(instance)


class AbstractOperator(metaclass=OperatorMeta):
    """airflow.models.abstractoperator.AbstractOperator: what BaseOperator and
    MappedOperator share (for `isinstance` in DAG files and in Crosswind)."""

    _takes_mapped: ClassVar[bool] = True


class BaseOperator(AbstractOperator, DependencyMixin, setup_teardown.SetupTeardownMixin):
    """Airflow 2 BaseOperator: one unit of work in a DAG."""

    template_fields: ClassVar[Sequence[str]] = ()
    template_ext: ClassVar[Sequence[str]] = ()
    template_fields_renderers: ClassVar[dict[str, str]] = {}
    ui_color: str = "#fff"
    ui_fgcolor: str = "#000"
    # Airflow's "start from trigger"; Crosswind always starts a try in a worker.
    start_trigger_args: Any = None
    start_from_trigger: bool = False
    is_mapped: ClassVar[bool] = False  # MappedOperator (dags/mapping.py) says True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = apply_defaults(cls.__dict__["__init__"])  # type: ignore[method-assign]

    def __init__(
        self, *, task_id: str, dag: Any = None, task_display_name: str | None = None,
        **kwargs: Any,
    ) -> None:
        from crosswind.dags.dag import DagContext

        _validate_task_id(task_id)
        self._task_display_name = task_display_name
        if kwargs.get("sla") is not None:
            warn_sla_ignored(f"task {task_id}")
        group = kwargs.pop("task_group", None) or DagContext.get_current_task_group()
        self.task_id = group.child_id(task_id) if group is not None else task_id
        unknown = {
            k: v for k, v in kwargs.items() if k not in TASK_DEFAULTS and k not in IGNORED_ARGS
        }
        if unknown:
            raise AirflowInvalidArguments(
                f"Invalid arguments were passed to {type(self).__name__} (task_id: {task_id}). "
                f"Invalid arguments were:\n**kwargs: {unknown}"
            )
        for name, default in TASK_DEFAULTS.items():
            setattr(self, name, kwargs.get(name, default))
        self._normalize_args()
        self.upstream_task_ids: set[str] = set()
        self.downstream_task_ids: set[str] = set()
        self._dag: Any = None
        dag = dag or DagContext.get_current_dag() or getattr(group, "dag", None)
        if dag is not None:
            self.dag = dag
        self.task_group = group
        if group is not None:
            group.add(self)
        setup_teardown.register(self)  # inside `with setup >> teardown:`

    @classmethod
    def partial(cls, **kwargs: Any) -> Any:
        """Dynamic task mapping: `Op.partial(task_id=..., ...).expand(arg=[...])`."""
        from crosswind.dags.mapping import OperatorPartial

        return OperatorPartial(cls, kwargs)

    def _normalize_args(self) -> None:
        self.trigger_rule = coerce_trigger_rule(self.trigger_rule)
        self.weight_rule = str(self.weight_rule)
        if self.weight_rule not in WEIGHT_RULES:
            raise AirflowException(
                f"The weight_rule must be one of {list(WEIGHT_RULES)}, "
                f"but got '{self.weight_rule}' (task {self.task_id})."
            )
        for name in SECONDS_ARGS:
            setattr(self, name, _seconds(getattr(self, name)))
        self.retries = int(self.retries or 0)
        self.priority_weight = int(self.priority_weight)
        self.start_date = as_utc(self.start_date)
        self.end_date = as_utc(self.end_date)
        self.params = dict(self.params or {})
        self.doc_md = self.doc_md or self.doc

    # -- DAG membership ---------------------------------------------------------
    @property
    def dag(self) -> Any:
        if self._dag is None:
            raise AirflowException(f"Operator {self} has not been assigned to a DAG yet")
        return self._dag

    @dag.setter
    def dag(self, dag: Any) -> None:
        if self._dag is dag:
            return
        if self._dag is not None:
            raise AirflowException(f"The DAG assigned to {self} can not be changed.")
        dag.add_task(self)
        self._dag = dag

    @property
    def task_display_name(self) -> str:
        """Airflow 2.9+: the name the UI shows; the task_id unless one was given."""
        return self._task_display_name or self.task_id

    def has_dag(self) -> bool:
        return self._dag is not None

    @property
    def dag_id(self) -> str:
        return self._dag.dag_id if self._dag is not None else f"adhoc_{self.owner}"

    @property
    def task_type(self) -> str:
        return type(self).__name__

    @property
    def output(self) -> Any:
        from crosswind.dags.decorators import XComArg

        return XComArg(self)

    @property
    def priority_weight_total(self) -> int:
        if self._dag is None:
            return self.priority_weight
        return self._dag.effective_priority_weight(self.task_id)

    def execute(self, context: dict[str, Any]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement execute()")

    def on_kill(self) -> None:
        """Called when the task is killed; subclasses stop their child processes here."""

    # -- deferral ---------------------------------------------------------------
    def defer(self, *, trigger: Any, method_name: str, kwargs: dict[str, Any] | None = None,
              timeout: timedelta | None = None) -> Any:
        """End this try `deferred` until `trigger` fires; the task then resumes in a new
        process with `method_name(context, event=payload, **kwargs)`."""
        raise TaskDeferred(trigger=trigger, method_name=method_name, kwargs=kwargs,
                           timeout=timeout)

    def resume_execution(self, next_method: str, next_kwargs: dict[str, Any] | None,
                         context: dict[str, Any]) -> Any:
        """Continue a deferred task; "__fail__" is the scheduler's or triggerer's verdict
        that the deferral timed out or its trigger failed."""
        if next_method == "__fail__":
            next_kwargs = next_kwargs or {}
            if next_kwargs.get("traceback"):
                log.error("Trigger failed:\n%s", "\n".join(next_kwargs["traceback"]))
            raise TaskDeferralError(next_kwargs.get("error", "Unknown"))
        return getattr(self, next_method)(context, **(next_kwargs or {}))

    # -- dependencies -----------------------------------------------------------
    def set_upstream(self, other: Any) -> None:
        _set_relatives(self, other, upstream=True)

    def set_downstream(self, other: Any) -> None:
        _set_relatives(self, other, upstream=False)

    def get_direct_relatives(self, upstream: bool = False) -> list[BaseOperator]:
        ids = self.upstream_task_ids if upstream else self.downstream_task_ids
        return [self.dag.task_dict[t] for t in sorted(ids)]

    @property
    def upstream_list(self) -> list[BaseOperator]:
        return self.get_direct_relatives(upstream=True)

    @property
    def downstream_list(self) -> list[BaseOperator]:
        return self.get_direct_relatives(upstream=False)

    def __repr__(self) -> str:
        return f"<Task({type(self).__name__}): {self.task_id}>"


class SlaNotEnforcedWarning(UserWarning):
    """`sla` / `sla_miss_callback` are accepted and ignored (Airflow 3 removed SLAs)."""


def warn_sla_ignored(where: str) -> None:
    warnings.warn(
        f"SLAs are not enforced by Crosswind: the sla of {where} is ignored "
        "(Airflow 3 removed SLAs too)", SlaNotEnforcedWarning, stacklevel=4)


def _validate_task_id(task_id: Any) -> None:
    if not isinstance(task_id, str) or not task_id:
        raise AirflowException(f"task_id must be a non-empty string, got {task_id!r}")
    if len(task_id) > 250 or not all(c.isalnum() or c in "-_." for c in task_id):
        raise AirflowException(
            f"The key {task_id!r} has to be made of alphanumeric characters, dashes, "
            "dots and underscores exclusively"
        )


def as_tasks(value: Any, side: str = "downstream") -> list[BaseOperator]:
    """Flatten a task, XComArg, TaskGroup or (nested) list of them into operators.

    A TaskGroup stands for its roots on the downstream side of an edge and for its
    leaves on the upstream side."""
    if isinstance(value, AbstractOperator):
        return [value]  # type: ignore[list-item]
    if hasattr(value, "group_roots"):
        return value.group_roots() if side == "downstream" else value.group_leaves()
    operator = getattr(value, "operator", None)
    if isinstance(operator, AbstractOperator):
        return [operator]  # type: ignore[list-item]
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | dict):
        return [t for item in value for t in as_tasks(item, side)]
    raise AirflowException(f"Relationships can only be set between operators; received {value!r}")


def _set_relatives(task: BaseOperator, other: Any, *, upstream: bool) -> None:
    if hasattr(other, "add_upstream"):  # an edge Label sits between two tasks
        if upstream:
            other.add_downstream(task)
        else:
            other.add_upstream(task)
        return
    others = as_tasks(other, "upstream" if upstream else "downstream")
    dags = {id(t._dag): t._dag for t in [task, *others] if t._dag is not None}
    if len(dags) > 1:
        raise AirflowException("Tried to set relationships between tasks in more than one DAG")
    if not dags:
        raise AirflowException(
            "Tried to create relationships between tasks that don't have DAGs yet. "
            f"Set the DAG for at least one task and try again: {[task, *others]}"
        )
    dag = next(iter(dags.values()))
    for t in [task, *others]:
        if t._dag is None:
            t.dag = dag
    for o in others:
        if upstream:
            task.upstream_task_ids.add(o.task_id)
            o.downstream_task_ids.add(task.task_id)
        else:
            task.downstream_task_ids.add(o.task_id)
            o.upstream_task_ids.add(task.task_id)


def chain(*tasks: Any) -> None:
    """Airflow's chain(): a >> b >> c, where equal-length lists are wired pairwise."""
    for up, down in itertools.pairwise(tasks):
        up_list = isinstance(up, list | tuple)
        down_list = isinstance(down, list | tuple)
        if not up_list:
            up.set_downstream(down)
        elif not down_list:
            down.set_upstream(up)
        else:
            if len(up) != len(down):
                raise AirflowException(
                    f"Chain not supported for different length Iterable. "
                    f"Got {len(up)} and {len(down)}."
                )
            for u, d in zip(up, down, strict=True):
                u.set_downstream(d)


def chain_linear(*elements: Any) -> None:
    """Airflow 2.7's chain_linear(): every task of one element upstream of every task of
    the next (an element is a task or a list of tasks)."""
    if len(elements) < 2:
        raise ValueError("No dependencies were set. Did you forget to expand with `*`?")
    for up, down in itertools.pairwise(elements):
        for task in up if isinstance(up, list | tuple) else [up]:
            task.set_downstream(down)


def cross_downstream(from_tasks: Sequence[Any], to_tasks: Any) -> None:
    """Every task of from_tasks upstream of every task of to_tasks."""
    for task in from_tasks:
        task.set_downstream(to_tasks)


# BaseOperator itself is wrapped too, so subclasses without their own __init__
# (EmptyOperator) still get default_args.
BaseOperator.__init__ = apply_defaults(BaseOperator.__init__)  # type: ignore[method-assign]
