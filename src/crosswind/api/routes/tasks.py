"""/dags/{dag_id}/tasks: the tasks of a DAG as its serialized structure describes them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.api.schemas.dags import render_task
from crosswind.errors import InvalidInput, NotFound
from crosswind.store.dag_runs import serialized

router = APIRouter(tags=["DAG"])
# Task attributes a list can be ordered by (scalar values of the serialized task).
ORDERABLE = frozenset({
    "task_id", "task_type", "owner", "retries", "queue", "pool", "pool_slots",
    "priority_weight", "weight_rule", "trigger_rule", "start_date", "end_date",
    "retry_delay", "execution_timeout", "retry_exponential_backoff", "depends_on_past",
    "wait_for_downstream", "is_mapped", "ui_color", "ui_fgcolor", "doc_md",
})


def _sorted(tasks: list[dict[str, Any]], order_by: str | None) -> list[dict[str, Any]]:
    key = order_by or "task_id"
    desc = key.startswith("-")
    name = key.lstrip("-")
    if name not in ORDERABLE:
        raise InvalidInput(f"Ordering with '{name}' is disallowed or the attribute does not "
                           f"exist on the model; allowed: {', '.join(sorted(ORDERABLE))}")
    # None sorts first ascending (last descending); values of one attribute share a type.
    ordered = sorted(tasks, key=lambda t: (t.get(name) is not None,
                                           0 if t.get(name) is None else t[name], t["task_id"]))
    return list(reversed(ordered)) if desc else ordered


@router.get("/dags/{dag_id}/tasks")
def list_tasks(dag_id: str, state: State, _: Allow("dag", "read"),
               order_by: str | None = None) -> JSON:
    with state.db.read() as s:
        dag = serialized(s, dag_id)
    tasks = _sorted(list(dag.get("tasks", [])), order_by)
    return JSON({"tasks": [render_task(t, dag) for t in tasks], "total_entries": len(tasks)})


@router.get("/dags/{dag_id}/tasks/{task_id}")
def get_task(dag_id: str, task_id: str, state: State, _: Allow("dag", "read")) -> JSON:
    with state.db.read() as s:
        dag = serialized(s, dag_id)
    for task in dag.get("tasks", []):
        if task["task_id"] == task_id:
            return JSON(render_task(task, dag))
    raise NotFound(f"Task {task_id!r} not found in DAG {dag_id!r}")
