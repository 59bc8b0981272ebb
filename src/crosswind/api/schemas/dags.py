"""DAG and task shapes: seed fields plus Airflow's DAG, DAGDetail and Task fields.

Only `schedule_interval` differs by dialect (string vs object); durations are Airflow's
TimeDelta objects in both dialects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from crosswind.api.dialects import Dialect, schedule_interval, time_delta
from crosswind.errors import InvalidInput
from crosswind.store.dags import file_token

# Airflow's effective defaults (core.max_active_tasks_per_dag / max_active_runs_per_dag)
# shown when the DAG file does not set them.
DEFAULT_MAX_ACTIVE_TASKS = 16
DEFAULT_MAX_ACTIVE_RUNS = 16


class DagPatch(BaseModel):
    """PATCH /dags and /dags/{dag_id}: only `is_paused` may change (Airflow refuses others)."""

    model_config = ConfigDict(extra="forbid")

    is_paused: bool | None = None


def render_dag(row: Mapping[str, Any], dialect: Dialect, *, has_errors: bool) -> dict[str, Any]:
    """Airflow's DAG object (+ seed fields) from a wire-ready row (`crosswind.store.dag_list`)."""
    return {
        "dag_id": row["dag_id"],
        "dag_display_name": row.get("dag_display_name") or row["dag_id"],
        "root_dag_id": None,
        "is_paused": row["is_paused"],
        "is_active": row["is_active"],
        "is_subdag": False,
        "last_parsed_time": row["last_parsed_time"],
        "last_pickled": None,
        "last_expired": None,
        "scheduler_lock": None,
        "pickle_id": None,
        "default_view": "grid",
        "fileloc": row["fileloc"],
        "file_token": file_token(row["fileloc"]),
        "owners": list(row["owners"] or []),
        "description": row["description"],
        "schedule_interval": schedule_interval(dialect, row["schedule"]),
        "timetable_description": row["timetable_description"],
        "tags": [{"name": t} for t in row["tags"] or []],
        "max_active_tasks": row["max_active_tasks"] or DEFAULT_MAX_ACTIVE_TASKS,
        "max_active_runs": row["max_active_runs"] or DEFAULT_MAX_ACTIVE_RUNS,
        "has_task_concurrency_limits": bool(row["has_task_concurrency_limits"]),
        "has_import_errors": has_errors,
        "next_dagrun": row["next_dagrun"],
        "next_dagrun_data_interval_start": row["next_dagrun_data_interval_start"],
        "next_dagrun_data_interval_end": row["next_dagrun_data_interval_end"],
        "next_dagrun_create_after": row["next_dagrun_create_after"],
        "max_consecutive_failed_dag_runs": 0,
    }


def render_params(params: dict[str, Any] | None,
                  specs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Airflow 2 dumps each param as a serialized `Param` object (with its description and
    schema when the DAG declared a Param)."""
    specs = specs or {}
    return {
        k: {"__class": "airflow.models.param.Param", "value": v,
            "description": (specs.get(k) or {}).get("description"),
            "schema": (specs.get(k) or {}).get("schema") or {}}
        for k, v in (params or {}).items()
    }


def _zone_text(encoded: Any) -> str:
    """str() of the DAG's pendulum zone, as Airflow 2.11 with pendulum 3 renders it."""
    if isinstance(encoded, int):
        sign, off = ("+" if encoded >= 0 else "-"), abs(encoded)
        return f'FixedTimezone({encoded}, name="{sign}{off // 3600:02d}:{off % 3600 // 60:02d}")'
    return str(encoded)


def render_detail(row: Mapping[str, Any], dialect: Dialect, *, has_errors: bool,
                  data: dict[str, Any]) -> dict[str, Any]:
    """Airflow's DAGDetail: the DAG object plus what only the serialized DAG knows."""
    out = render_dag(row, dialect, has_errors=has_errors)
    catchup = data.get("catchup")
    out.update(
        timezone=_zone_text(data.get("timezone", "UTC")),
        catchup=bool(catchup) if catchup is not None else None,
        orientation="LR",
        concurrency=out["max_active_tasks"],
        start_date=data.get("start_date"),
        end_date=data.get("end_date"),
        dag_run_timeout=time_delta(data.get("dagrun_timeout")),
        dataset_expression=data.get("dataset_expression"),
        doc_md=data.get("doc_md"),
        params=render_params(data.get("params"), data.get("param_specs")),
        is_paused_upon_creation=data.get("is_paused_upon_creation"),
        last_parsed=row["last_parsed_time"],
        template_search_path=data.get("template_searchpath"),
        dag_display_name=data.get("dag_display_name") or out["dag_id"],
        render_template_as_native_obj=bool(data.get("render_template_as_native_obj")),
    )
    return out


def render_task(task: dict[str, Any], dag: dict[str, Any]) -> dict[str, Any]:
    """Airflow's Task object (+ seed's `dag_id`, `task_type`) from the serialized DAG.

    `sub_dag` is left out: Airflow omits it for ordinary tasks and its client rejects null."""
    return {
        "class_ref": task.get("class_ref") or {},
        "task_id": task["task_id"],
        "task_display_name": task.get("task_display_name") or task["task_id"],
        "dag_id": dag["dag_id"],
        "task_type": task.get("task_type"),
        "owner": task.get("owner"),
        "start_date": task.get("start_date") or dag.get("start_date"),
        "end_date": task.get("end_date") or dag.get("end_date"),
        "trigger_rule": task.get("trigger_rule"),
        "extra_links": [
            {"class_ref": link.get("class_ref") or {}} for link in task.get("extra_links") or []
        ],
        "depends_on_past": bool(task.get("depends_on_past")),
        "is_mapped": bool(task.get("is_mapped")),
        "wait_for_downstream": bool(task.get("wait_for_downstream")),
        "retries": task.get("retries", 0),
        "queue": task.get("queue"),
        "executor": None,
        "pool": task.get("pool"),
        "pool_slots": task.get("pool_slots", 1),
        "execution_timeout": time_delta(task.get("execution_timeout")),
        "retry_delay": time_delta(task.get("retry_delay")),
        "retry_exponential_backoff": bool(task.get("retry_exponential_backoff")),
        "priority_weight": task.get("priority_weight", 1),
        "weight_rule": task.get("weight_rule"),
        "ui_color": task.get("ui_color"),
        "ui_fgcolor": task.get("ui_fgcolor"),
        "template_fields": list(task.get("template_fields") or []),
        "downstream_task_ids": list(task.get("downstream_task_ids") or []),
        "params": render_params(task.get("params")),
        "doc_md": task.get("doc_md"),
    }


def only_fields(item: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """Airflow's `fields` query parameter: keep only these keys; 400 on an unknown one."""
    if not fields:
        return item
    names = [f.strip() for part in fields for f in part.split(",") if f.strip()]
    unknown = [n for n in names if n not in item]
    if unknown:
        raise InvalidInput(f"unknown field(s) in fields: {', '.join(unknown)}")
    return {n: item[n] for n in names}
