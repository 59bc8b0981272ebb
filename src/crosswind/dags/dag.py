"""The DAG object, DagContext (the `with DAG(...)` stack) and graph checks."""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from crosswind.dags import dataset_schedule, setup_teardown
from crosswind.dags.baseoperator import BaseOperator, warn_sla_ignored
from crosswind.dags.exceptions import (
    AirflowException,
    DagCycleException,
    DuplicateTaskIdFound,
    TaskNotFound,
)
from crosswind.dags.utils_dates import as_utc
from crosswind.timetables.base import Timetable
from crosswind.timetables.registry import create_timetable
from crosswind.timetables.zones import Zone, parse_timezone

_NOTSET: Any = object()
# Airflow DAG arguments accepted and not acted upon.
_IGNORED_DAG_ARGS = frozenset(
    {
        "access_control",
        "owner_links",
        "default_view",
        "orientation",
        "template_undefined",
        "jinja_environment_kwargs",
        "auto_register",
        "fail_stop",
        "full_filepath",
        "max_consecutive_failed_dag_runs",
    }
)


class DagContext:
    """Stack of DAGs opened with `with`, and DAGs registered on leaving the block."""

    _stack: list[DAG] = []
    _group_stack: list[Any] = []
    autoregistered: list[DAG] = []

    @classmethod
    def push(cls, dag: DAG) -> None:
        cls._stack.append(dag)

    @classmethod
    def pop(cls) -> DAG | None:
        dag = cls._stack.pop() if cls._stack else None
        if dag is not None:
            cls.autoregistered.append(dag)
        return dag

    @classmethod
    def get_current_dag(cls) -> DAG | None:
        return cls._stack[-1] if cls._stack else None

    @classmethod
    def push_task_group(cls, group: Any) -> None:
        cls._group_stack.append(group)

    @classmethod
    def pop_task_group(cls) -> None:
        if cls._group_stack:
            cls._group_stack.pop()

    @classmethod
    def get_current_task_group(cls) -> Any:
        return cls._group_stack[-1] if cls._group_stack else None

    # Airflow's names, for DAG files that use them.
    push_context_managed_dag = push
    pop_context_managed_dag = pop


class DAG:
    """Airflow 2 DAG: tasks, their dependencies, schedule and run settings."""

    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        schedule: Any = _NOTSET,
        schedule_interval: Any = _NOTSET,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        catchup: bool | None = None,
        max_active_runs: int | None = None,
        max_active_tasks: int | None = None,
        concurrency: int | None = None,
        dagrun_timeout: timedelta | None = None,
        tags: list[str] | None = None,
        default_args: dict[str, Any] | None = None,
        doc_md: str | None = None,
        params: dict[str, Any] | None = None,
        is_paused_upon_creation: bool | None = None,
        render_template_as_native_obj: bool = False,
        on_success_callback: Callable[..., Any] | None = None,
        on_failure_callback: Callable[..., Any] | None = None,
        user_defined_macros: dict[str, Any] | None = None,
        user_defined_filters: dict[str, Any] | None = None,
        template_searchpath: str | list[str] | None = None,
        dag_display_name: str | None = None,
        sla_miss_callback: Callable[..., Any] | None = None,
        **kwargs: Any,
    ) -> None:
        timetable = kwargs.pop("timetable", None)
        _check_kwargs(dag_id, kwargs)
        self.dag_id = _check_dag_id(dag_id)
        self.description = description
        self.default_args = dict(default_args or {})
        start_date = _parse_date(start_date or self.default_args.get("start_date"))
        # Airflow: the DAG's time zone is its start_date's (naive dates are UTC).
        self.timezone: Zone = parse_timezone(start_date.tzinfo if start_date else None)
        end_date = _parse_date(end_date or self.default_args.get("end_date"), self.timezone)
        self.start_date = as_utc(start_date)
        self.end_date = as_utc(end_date)
        if timetable is not None:
            if schedule is not _NOTSET or schedule_interval is not _NOTSET:
                raise ValueError(
                    "At most one allowed for args 'schedule_interval', 'timetable', and 'schedule'."
                )
            schedule = timetable
        chosen = self._pick_schedule(schedule, schedule_interval)
        # Datasets: the condition apart, the time part (if any) scheduled as usual.
        time_part, self.dataset_condition, self.dataset_schedule = dataset_schedule.split(
            chosen)
        self.timetable: Timetable = create_timetable(time_part, self.timezone)
        self.timetable.validate()
        # Kept for compatibility, as in Airflow: a timetable's summary, else as written.
        self.schedule_interval = (
            self.timetable.summary if isinstance(chosen, Timetable) else chosen
        )
        self._schedule_arg = time_part
        self.catchup = catchup
        self.max_active_runs = max_active_runs
        limit = self.timetable.active_runs_limit
        if limit is not None and limit < (max_active_runs or 16):
            raise AirflowException(
                f"Invalid max_active_runs: {type(self.timetable)} "
                f"requires max_active_runs <= {limit}"
            )
        self.max_active_tasks = max_active_tasks if max_active_tasks is not None else concurrency
        self.dagrun_timeout = dagrun_timeout
        self.tags = list(tags or [])
        self.doc_md = doc_md
        self.params: dict[str, Any] = {**self.default_args.get("params", {}), **(params or {})}
        self.is_paused_upon_creation = is_paused_upon_creation
        self.render_template_as_native_obj = render_template_as_native_obj
        self.on_success_callback = on_success_callback
        self.on_failure_callback = on_failure_callback
        self.user_defined_macros = dict(user_defined_macros or {})
        self.user_defined_filters = dict(user_defined_filters or {})
        if isinstance(template_searchpath, str):
            template_searchpath = [template_searchpath]
        self.template_searchpath = list(template_searchpath or [])
        self._dag_display_name = dag_display_name
        self.sla_miss_callback = sla_miss_callback
        if sla_miss_callback is not None:
            warn_sla_ignored(f"DAG {dag_id} (sla_miss_callback)")
        self.task_dict: dict[str, BaseOperator] = {}
        back = sys._getframe().f_back
        self.fileloc: str = back.f_code.co_filename if back else ""

    @property
    def dag_display_name(self) -> str:
        """Airflow 2.9+: the name the UI shows; the dag_id unless one was given."""
        return self._dag_display_name or self.dag_id

    @property
    def folder(self) -> str:
        """The DAG file's folder (Airflow's DAG.folder), first on the template search path."""
        import os

        return os.path.dirname(self.fileloc or ".") or "."

    @staticmethod
    def _pick_schedule(schedule: Any, schedule_interval: Any) -> Any:
        if schedule is not _NOTSET and schedule_interval is not _NOTSET:
            raise ValueError("You must use either `schedule` or `schedule_interval`, not both")
        if schedule is not _NOTSET:
            return schedule
        # Airflow 2's default when neither is given is one day.
        return timedelta(days=1) if schedule_interval is _NOTSET else schedule_interval

    # -- tasks --------------------------------------------------------------------
    def add_task(self, task: BaseOperator) -> None:
        if task.task_id in self.task_dict and self.task_dict[task.task_id] is not task:
            raise DuplicateTaskIdFound(
                f"Task id '{task.task_id}' has already been added to the DAG"
            )
        self.task_dict[task.task_id] = task
        task._dag = self

    @property
    def tasks(self) -> list[BaseOperator]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    def get_task(self, task_id: str) -> BaseOperator:
        if task_id not in self.task_dict:
            raise TaskNotFound(f"Task {task_id} not found")
        return self.task_dict[task_id]

    @property
    def roots(self) -> list[BaseOperator]:
        return [t for t in self.tasks if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[BaseOperator]:
        return [t for t in self.tasks if not t.downstream_task_ids]

    @property
    def schedule_info(self) -> dict[str, Any]:
        """The serialized schedule (see crosswind.timetables.registry)."""
        from crosswind.timetables.registry import schedule_document

        return schedule_document(self._schedule_arg, self.timetable)

    @property
    def owner(self) -> str:
        return ", ".join(sorted({t.owner for t in self.tasks}))

    # -- graph ----------------------------------------------------------------------
    def topological_sort(self) -> list[BaseOperator]:
        """Tasks in dependency order (ties by task_id); raises DagCycleException on a cycle."""
        indegree = {tid: len(t.upstream_task_ids) for tid, t in self.task_dict.items()}
        ready = sorted(tid for tid, n in indegree.items() if n == 0)
        order: list[BaseOperator] = []
        while ready:
            tid = heapq.heappop(ready)
            order.append(self.task_dict[tid])
            for child in self.task_dict[tid].downstream_task_ids:
                indegree[child] -= 1
                if indegree[child] == 0:
                    heapq.heappush(ready, child)
        if len(order) != len(self.task_dict):
            stuck = sorted(tid for tid, n in indegree.items() if n > 0)
            raise DagCycleException(
                f"Cycle detected in DAG: {self.dag_id}. Faulty task: {stuck[0]}"
            )
        return order

    def validate(self) -> None:
        """Checks done after the DAG file was imported: dangling edges and cycles."""
        for task in self.tasks:
            for other in task.upstream_task_ids | task.downstream_task_ids:
                if other not in self.task_dict:
                    raise AirflowException(f"Task {task.task_id} is wired to unknown task {other}")
        self.topological_sort()
        setup_teardown.check_dag(self)

    def _relatives(self, task_id: str, upstream: bool) -> set[str]:
        seen: set[str] = set()
        todo = [task_id]
        while todo:
            task = self.task_dict[todo.pop()]
            for rel in task.upstream_task_ids if upstream else task.downstream_task_ids:
                if rel not in seen:
                    seen.add(rel)
                    todo.append(rel)
        return seen

    def effective_priority_weight(self, task_id: str) -> int:
        """Priority weight per the task's weight_rule (downstream, upstream, absolute)."""
        task = self.task_dict[task_id]
        if task.weight_rule == "absolute":
            return task.priority_weight
        rels = self._relatives(task_id, upstream=task.weight_rule == "upstream")
        return task.priority_weight + sum(self.task_dict[r].priority_weight for r in rels)

    # -- context manager ---------------------------------------------------------------
    def __enter__(self) -> DAG:
        DagContext.push(self)
        return self

    def __exit__(self, *exc: object) -> None:
        DagContext.pop()

    def test(
        self,
        execution_date: datetime | None = None,
        run_conf: dict[str, Any] | None = None,
        *,
        conf: dict[str, Any] | None = None,
        logical_date: datetime | None = None,
        backend: Any = None,
        **_: Any,
    ) -> Any:
        """Run every task once, in-process, with an in-memory backend. Returns task_id ->
        state, a dict that is also the run (`.state`, `.get_task_instances()`), as
        Airflow's dag.test() returns its DagRun.

        Accepts Airflow's spelling (execution_date, run_conf); other Airflow arguments
        such as conn_file_path are ignored."""
        from crosswind.dags.local_result import LocalDagRun
        from crosswind.dags.local_run import local_run_state, run_dag_locally
        from crosswind.dags.utils_dates import as_utc, utcnow

        mapped: dict[str, list[str]] = {}
        when = as_utc(logical_date or execution_date) or utcnow()
        states = run_dag_locally(
            self,
            conf=conf if conf is not None else run_conf,
            logical_date=when,
            backend=backend,
            map_states=mapped,
        )
        return LocalDagRun(self.dag_id, f"manual__{when.isoformat()}", when,
                           local_run_state(self, states), states, mapped)

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"


def _check_kwargs(dag_id: str, kwargs: dict[str, Any]) -> None:
    unsupported = {"dataset_triggers"} & set(kwargs)
    if unsupported:
        raise AirflowException(f"DAG {dag_id}: {sorted(unsupported)} is not supported by Crosswind")
    unknown = sorted(set(kwargs) - _IGNORED_DAG_ARGS)
    if unknown:
        raise TypeError(f"DAG.__init__() got an unexpected keyword argument '{unknown[0]}'")


def _parse_date(value: Any, zone: Zone | None = None) -> datetime | None:
    """default_args dates may be strings, as in Airflow; those are read in `zone`."""
    if not isinstance(value, str):
        return value
    import pendulum

    return pendulum.parse(value, tz=zone or pendulum.UTC)  # type: ignore[return-value]


def _check_dag_id(dag_id: Any) -> str:
    if not isinstance(dag_id, str) or not dag_id:
        raise AirflowException(f"dag_id must be a non-empty string, got {dag_id!r}")
    if len(dag_id) > 250 or not all(c.isalnum() or c in "-_." for c in dag_id):
        raise AirflowException(
            f"The key {dag_id!r} has to be made of alphanumeric characters, dashes, "
            "dots and underscores exclusively"
        )
    return dag_id
