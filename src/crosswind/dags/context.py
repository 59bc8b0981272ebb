"""The Airflow 2 template context of one task try.

RunInfo/TIInfo describe the run and the try; build_context() turns them into the dict
operators and templates see (ds, ts, ti, dag_run, params, var, conn, macros, ...).
"""

from __future__ import annotations

import json
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import dateutil
import dateutil.relativedelta

from crosswind.dags import dataset_context
from crosswind.dags.hooks import BaseHook, Connection
from crosswind.dags.params import resolve_params
from crosswind.dags.runtime import get_backend
from crosswind.dags.variable import Variable

# Airflow 2's [core] dag_run_conf_overrides_params default.
DAG_RUN_CONF_OVERRIDES_PARAMS = True


@dataclass
class RunInfo:
    dag_id: str
    run_id: str
    logical_date: datetime
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    run_type: str = "manual"
    external_trigger: bool = True
    conf: dict[str, Any] = field(default_factory=dict)
    start_date: datetime | None = None
    prev_data_interval_start_success: datetime | None = None
    prev_data_interval_end_success: datetime | None = None
    prev_start_date_success: datetime | None = None
    prev_execution_date: datetime | None = None
    prev_execution_date_success: datetime | None = None

    def __post_init__(self) -> None:
        # Templates and callables see pendulum DateTimes in UTC, as on Airflow.
        for name in _DATE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, _pendulum_utc(value))


_DATE_FIELDS = ("logical_date", "data_interval_start", "data_interval_end", "start_date",
                "prev_data_interval_start_success", "prev_data_interval_end_success",
                "prev_start_date_success", "prev_execution_date", "prev_execution_date_success")


def _pendulum_utc(value: datetime) -> datetime:
    from crosswind.timetables.base import coerce

    return coerce(value if value.tzinfo else value.replace(tzinfo=UTC))  # type: ignore[return-value]


@dataclass
class TIInfo:
    task_id: str
    try_number: int = 1
    map_index: int = -1
    max_tries: int = 0
    # A mapped index's items from upstream XComs, given by the scheduler ([item, length]).
    mapped_args: dict[str, Any] | None = None


class DagRunRef:
    """The `dag_run` object of the context."""

    def __init__(self, run: RunInfo) -> None:
        self.dag_id = run.dag_id
        self.run_id = run.run_id
        self.conf = run.conf
        self.logical_date = self.execution_date = run.logical_date
        self.data_interval_start = run.data_interval_start
        self.data_interval_end = run.data_interval_end
        self.run_type = run.run_type
        self.external_trigger = run.external_trigger
        self.start_date = run.start_date

    def __repr__(self) -> str:
        return f"<DagRun {self.dag_id} @ {self.logical_date}: {self.run_id}>"


class TaskInstanceRef:
    """The `ti`/`task_instance` object: identity of the try and XCom access."""

    def __init__(self, run: RunInfo, ti: TIInfo, task: Any) -> None:
        self.dag_id = run.dag_id
        self.run_id = run.run_id
        self.task_id = ti.task_id
        self.try_number = ti.try_number
        self.map_index = ti.map_index
        self.max_tries = ti.max_tries
        self.mapped_args = ti.mapped_args
        self.execution_date = self.logical_date = run.logical_date
        self.task = task
        # Set by branch / short-circuit operators, read by execute_task.
        self.follow_task_ids: list[str] | None = None
        self.skip_downstream = False

    def xcom_push(self, key: str, value: Any, execution_date: Any = None) -> None:
        get_backend().xcom_push(
            dag_id=self.dag_id,
            run_id=self.run_id,
            task_id=self.task_id,
            key=key,
            value=value,
            map_index=self.map_index,
        )

    def xcom_pull(
        self,
        task_ids: str | list[str] | None = None,
        dag_id: str | None = None,
        key: str = "return_value",
        include_prior_dates: bool = False,
        map_indexes: Any = None,
    ) -> Any:
        """str task_ids -> one value, list -> list of values. With task_ids=None the key is
        looked up on this task, then its upstream tasks (Airflow searches the whole run)."""
        if isinstance(task_ids, str):
            return self._pull_one(task_ids, dag_id, key)
        if task_ids is not None:
            return [self._pull_one(t, dag_id, key) for t in task_ids]
        upstream = sorted(getattr(self.task, "upstream_task_ids", ()))
        for candidate in [self.task_id, *upstream]:
            value = self._pull_one(candidate, dag_id, key)
            if value is not None:
                return value
        return None

    def _pull_one(self, task_id: str, dag_id: str | None, key: str) -> Any:
        scope = self._scope(task_id) if dag_id is None or dag_id == self.dag_id else None
        if scope == "all":
            from crosswind.dags.mapping import LazyXComSequence

            return LazyXComSequence(get_backend(), self.dag_id, self.run_id, task_id, key)
        return get_backend().xcom_pull(
            dag_id=dag_id or self.dag_id, run_id=self.run_id, task_id=task_id, key=key,
            map_index=self.map_index if scope == "index" else -1,
        )

    def _scope(self, task_id: str) -> str | None:
        """Which XCom of task_id this try reads: "all" map indexes of a mapped task
        (Airflow's lazy sequence), the "index" of this try (a task of the same mapped task
        group), or None (the one unmapped value)."""
        from crosswind.dags.mapped_group import is_expanded, same_index_upstream

        dag = getattr(self.task, "_dag", None)
        other = dag.task_dict.get(task_id) if dag is not None else None
        if other is None:
            return None
        if self.map_index >= 0 and same_index_upstream(self.task, other):
            return "index"
        return "all" if is_expanded(other) else None

    def __repr__(self) -> str:
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} [running]>"


class _VarAccessor:
    """`var.value.KEY` / `var.json.KEY` / `var.value.get(key, default)`."""

    def __init__(self, deserialize_json: bool) -> None:
        self._json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        return Variable.get(key, deserialize_json=self._json)

    def get(self, key: str, default_var: Any = None) -> Any:
        return Variable.get(key, default_var=default_var, deserialize_json=self._json)


class _ConnAccessor:
    def __getattr__(self, conn_id: str) -> Connection:
        return BaseHook.get_connection(conn_id)

    def get(self, conn_id: str, default_conn: Any = None) -> Any:
        try:
            return BaseHook.get_connection(conn_id)
        except Exception:  # noqa: BLE001 - Airflow returns the default for any lookup error
            return default_conn


class _Conf:
    """Minimal stand-in for Airflow's `conf` in templates."""

    def get(self, section: str, key: str, fallback: Any = None) -> Any:
        return fallback

    def getboolean(self, section: str, key: str, fallback: bool = False) -> bool:
        return fallback


DagRun = DagRunRef  # names for type annotations in DAG files
TaskInstance = TaskInstanceRef
XCOM_RETURN_KEY = "return_value"
conf = _Conf()


def ds_add(ds: str, days: int) -> str:
    """Airflow's macros.ds_add: shift a YYYY-MM-DD date by days."""
    return (datetime.strptime(ds, "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")  # noqa: DTZ007


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    return datetime.strptime(str(ds), input_format).strftime(output_format)  # noqa: DTZ007


MACROS = SimpleNamespace(
    datetime=datetime,
    dateutil=dateutil,
    timedelta=timedelta,
    ds_add=ds_add,
    ds_format=ds_format,
    json=json,
    time=time,
    uuid=uuid,
    random=random,
)


def macros_namespace() -> SimpleNamespace:
    """Airflow's `macros`, with each plugin's macros under `macros.<plugin name>`."""
    from crosswind import plugins

    plugins.ensure_loaded()
    if not plugins.macros_modules:
        return MACROS
    return SimpleNamespace(**vars(MACROS), **plugins.macros_modules)


def _date_keys(prefix: str, value: datetime | None) -> dict[str, Any]:
    if value is None:
        return {f"{prefix}ds": None, f"{prefix}ds_nodash": None}
    ds = value.strftime("%Y-%m-%d")
    return {f"{prefix}ds": ds, f"{prefix}ds_nodash": ds.replace("-", "")}


def _time_keys(logical: datetime) -> dict[str, Any]:
    ts = logical.isoformat()
    return {
        "ts": ts,
        "ts_nodash": logical.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
    }


def build_context(*, dag: Any, task: Any, run: RunInfo, ti: TIInfo) -> dict[str, Any]:
    """The Airflow 2 context dict for one task try."""
    logical = run.logical_date
    overrides = run.conf if DAG_RUN_CONF_OVERRIDES_PARAMS else {}
    params = resolve_params({**dag.params, **getattr(task, "params", {})}, overrides or {})
    ti_ref = TaskInstanceRef(run, ti, task)
    ctx: dict[str, Any] = {
        "dag": dag,
        "task": task,
        "ti": ti_ref,
        "task_instance": ti_ref,
        "run_id": run.run_id,
        "dag_run": DagRunRef(run),
        "params": params,
        "logical_date": logical,
        "execution_date": logical,
        "data_interval_start": run.data_interval_start or logical,
        "data_interval_end": run.data_interval_end or logical,
        "prev_data_interval_start_success": run.prev_data_interval_start_success,
        "prev_data_interval_end_success": run.prev_data_interval_end_success,
        "prev_start_date_success": run.prev_start_date_success,
        "prev_execution_date": run.prev_execution_date,
        "prev_execution_date_success": run.prev_execution_date_success,
        "prev_end_date_success": None,
        "next_execution_date": run.data_interval_end,
        "var": {"value": _VarAccessor(False), "json": _VarAccessor(True)},
        "conn": _ConnAccessor(),
        "macros": macros_namespace(),
        "conf": _Conf(),
        "templates_dict": None,
        "test_mode": False,
        "inlets": [],
        "outlets": [],
        "task_instance_key_str": f"{run.dag_id}__{ti.task_id}__{logical.strftime('%Y%m%d')}",
        "expanded_ti_count": None,
        "triggering_dataset_events": {},
        **dataset_context.context_entries(task, run),
        **_date_keys("", logical),
        **_time_keys(logical),
        **_date_keys("next_", run.data_interval_end),
        **_date_keys("prev_", run.prev_execution_date),
        **_date_keys("tomorrow_", logical + timedelta(days=1)),
        **_date_keys("yesterday_", logical - timedelta(days=1)),
        "map_index_template": getattr(task, "map_index_template", None),
    }
    ctx.update(dag.user_defined_macros)
    return ctx
