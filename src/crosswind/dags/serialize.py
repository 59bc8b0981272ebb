"""The serialized DAG: the JSON document the database, API and scheduler code against.

Keys are emitted in a fixed order and lists are sorted, so dag_hash() changes only when
the DAG changes.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta
from typing import Any

from crosswind.dags import dataset_schedule
from crosswind.dags.params import param_defaults, param_specs
from crosswind.dags.schedule import timetable_description, timetable_summary
from crosswind.dags.trigger_rule import coerce_trigger_rule
from crosswind.timetables.registry import probe
from crosswind.timetables.zones import encode_timezone


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _secs(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_json_safe(v) for v in value]
    return repr(value)


def _has_callback(value: Any) -> bool:
    return bool(value) if isinstance(value, list | tuple) else value is not None


def _effective_start(dag: Any) -> datetime | None:
    """The DAG's start_date, else its earliest task start_date (Airflow's scheduling rule)."""
    if dag.start_date is not None:
        return dag.start_date
    starts = [t.start_date for t in dag.tasks if t.start_date is not None]
    return min(starts) if starts else None


def serialize_task(task: Any) -> dict[str, Any]:
    cls = getattr(task, "operator_class", type(task))  # a mapped task: the class it maps
    return {
        "task_id": task.task_id,
        "task_display_name": task.task_display_name,
        "task_type": cls.__name__,
        "class_ref": {"module_path": cls.__module__, "class_name": cls.__name__},
        "owner": task.owner,
        "retries": task.retries,
        "retry_delay": _secs(task.retry_delay),
        "retry_exponential_backoff": bool(task.retry_exponential_backoff),
        "max_retry_delay": _secs(task.max_retry_delay),
        "execution_timeout": _secs(task.execution_timeout),
        "trigger_rule": coerce_trigger_rule(task.trigger_rule).value,  # may be set as a str
        "pool": task.pool,
        "pool_slots": task.pool_slots,
        "priority_weight": task.priority_weight,
        "priority_weight_total": task.priority_weight_total,
        "weight_rule": task.weight_rule,
        "queue": task.queue,
        "depends_on_past": bool(task.depends_on_past),
        "wait_for_downstream": bool(task.wait_for_downstream),
        "do_xcom_push": bool(task.do_xcom_push),
        "downstream_task_ids": sorted(task.downstream_task_ids),
        "upstream_task_ids": sorted(task.upstream_task_ids),
        "template_fields": list(task.template_fields),
        "ui_color": task.ui_color,
        "ui_fgcolor": task.ui_fgcolor,
        "params": _json_safe(param_defaults(task.params)),
        "doc_md": task.doc_md,
        "start_date": _iso(task.start_date),
        "end_date": _iso(task.end_date),
        "is_mapped": bool(task.is_mapped),
        "is_setup": bool(getattr(task, "is_setup", False)),
        "is_teardown": bool(getattr(task, "is_teardown", False)),
        "on_failure_fail_dagrun": bool(getattr(task, "on_failure_fail_dagrun", False)),
        "extra_links": [_link_ref(link) for link in _links(task)],
        "has_on_failure_callback": _has_callback(task.on_failure_callback),
        "has_on_retry_callback": _has_callback(task.on_retry_callback),
        "max_active_tis_per_dag": task.max_active_tis_per_dag,
        "max_active_tis_per_dagrun": task.max_active_tis_per_dagrun,
        **dataset_schedule.task_fields(task),
        **_mapped_group_fields(task),
        **_operator_fields(task),
    }


def _mapped_group_fields(task: Any) -> dict[str, Any]:
    from crosswind.dags.mapped_group import task_fields

    return task_fields(task)


def _links(task: Any) -> list[Any]:
    return list(getattr(type(task), "operator_extra_links", ()) or ())


def _link_ref(link: Any) -> dict[str, Any]:
    """The Task API's extra_links item; a later links endpoint finds the link by name."""
    cls = type(link)
    module = getattr(link, "airflow_module", cls.__module__)
    return {"class_ref": {"module_path": module, "class_name": cls.__name__},
            "name": getattr(link, "name", cls.__name__)}


def _operator_fields(task: Any) -> dict[str, Any]:
    """What an operator asks to keep for the server side (an ExternalTaskMarker's target,
    a TriggerDagRunOperator's trigger_dag_id for its link): `serialized_extras()`."""
    extras = getattr(task, "serialized_extras", None)
    return _json_safe(extras()) if callable(extras) else {}


def _group_members(dag: Any) -> dict[str, list[str]]:
    """task group id -> ids of every task in it (nested groups included), for
    ExternalTaskSensor(external_task_group_id=...) on another DAG."""
    members: dict[str, set[str]] = {}
    for task in dag.tasks:
        group = getattr(task, "task_group", None)
        while group is not None:
            members.setdefault(group.group_id, set()).add(task.task_id)
            group = group.parent_group
    return {gid: sorted(ids) for gid, ids in sorted(members.items())}


def serialize_dag(dag: Any) -> dict[str, Any]:
    """The JSON-safe document for one DAG (see the module docstring of this package)."""
    schedule = dict(dag.schedule_info)
    probe(dag.timetable, _effective_start(dag), dag.end_date, bool(dag.catchup))
    tasks = [serialize_task(dag.task_dict[tid]) for tid in sorted(dag.task_dict)]
    return {
        "dag_id": dag.dag_id,
        "dag_display_name": dag.dag_display_name,
        "fileloc": os.path.abspath(dag.fileloc) if dag.fileloc else "",
        "description": dag.description,
        "doc_md": dag.doc_md,
        "owners": sorted({t["owner"] for t in tasks}),
        "schedule": schedule,
        "timezone": encode_timezone(dag.timezone),
        "timetable_summary": timetable_summary(schedule),
        "timetable_description": timetable_description(schedule),
        "start_date": _iso(_effective_start(dag)),
        "end_date": _iso(dag.end_date),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "dagrun_timeout": _secs(dag.dagrun_timeout),
        "tags": sorted(set(dag.tags)),
        "is_paused_upon_creation": dag.is_paused_upon_creation,
        "render_template_as_native_obj": bool(dag.render_template_as_native_obj),
        "template_searchpath": list(dag.template_searchpath) or None,
        "params": _json_safe(param_defaults(dag.params)),
        "param_specs": _json_safe(param_specs(dag.params)),
        "has_on_success_callback": _has_callback(dag.on_success_callback),
        "has_on_failure_callback": _has_callback(dag.on_failure_callback),
        "tasks": tasks,
        **dataset_schedule.serialized_fields(
            dag, timetable_summary(schedule), timetable_description(schedule)),
        "task_group_members": _group_members(dag),
    }


def dag_hash(d: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of a serialized DAG."""
    canonical = json.dumps(d, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()
