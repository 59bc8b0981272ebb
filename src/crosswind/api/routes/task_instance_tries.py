"""/taskInstances/{task_id}/tries and /tries/{task_try_number} (also per map index): every
try of a task instance, as Airflow 2.10+'s TaskInstanceHistory.

Past tries come from `task_tries` (one row per try that really started); the current try is
the task instance itself, except while it waits for a retry (its last try is history then),
as Airflow lists them. Fields a try does not change (operator, pool, queue...) are the task
instance's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep
from crosswind.api.responses import JSON
from crosswind.errors import NotFound
from crosswind.models import TaskInstance, TaskTry
from crosswind.store import task_instances as store

router = APIRouter(tags=["TaskInstance"])
_PATH = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"
_FIELDS = ("task_id", "task_display_name", "dag_id", "map_index", "max_tries", "unixname",
           "pool", "pool_slots", "queue", "priority_weight", "operator", "queued_when")


def _render(ti: TaskInstance, t: TaskTry | None) -> dict[str, Any]:
    out = {name: getattr(ti, name, None) for name in _FIELDS}
    out["task_display_name"] = ti.task_display_name or ti.task_id
    out.update(dag_run_id=ti.run_id, executor=None, executor_config="{}")
    if t is None:  # the task instance's current try
        out.update(state=ti.state, start_date=ti.start_date, end_date=ti.end_date,
                   duration=ti.duration, try_number=ti.try_number, hostname=ti.hostname or "",
                   pid=ti.pid)
    else:
        duration = ((t.end_date - t.start_date).total_seconds()
                    if t.start_date and t.end_date else None)
        out.update(state=t.state, start_date=t.start_date, end_date=t.end_date,
                   duration=duration, try_number=t.try_number, hostname=t.hostname or "",
                   pid=t.pid)
    return out


def _tries(s: Session, dag_id: str, run_id: str, task_id: str,
           map_index: int) -> list[dict[str, Any]]:
    ti = store.get_ti(s, dag_id, run_id, task_id, map_index)
    past = s.scalars(select(TaskTry).where(
        TaskTry.dag_id == dag_id, TaskTry.run_id == run_id, TaskTry.task_id == task_id,
        TaskTry.map_index == map_index).order_by(TaskTry.try_number)).all()
    current_is_history = ti.state == "up_for_retry"
    out = [_render(ti, t) for t in past
           if current_is_history or t.try_number != ti.try_number]
    if not current_is_history:
        out.append(_render(ti, None))
    return out


def _one(s: Session, dag_id: str, run_id: str, task_id: str, map_index: int,
         try_number: int) -> dict[str, Any]:
    for found in _tries(s, dag_id, run_id, task_id, map_index):
        if found["try_number"] == try_number:
            return found
    raise NotFound(f"Task Instance not found for dag_id={dag_id}, run_id={run_id}, "
                   f"task_id={task_id}, map_index={map_index}, try_number={try_number}.")


@router.get(_PATH + "/tries")
def list_tries(dag_id: str, dag_run_id: str, task_id: str, state: State, page: PageDep,
               _: Allow("task_instance", "read")) -> JSON:
    return _list(state, dag_id, dag_run_id, task_id, -1, page)


@router.get(_PATH + "/{map_index:int}/tries")
def list_mapped_tries(dag_id: str, dag_run_id: str, task_id: str, map_index: int,
                      state: State, page: PageDep, _: Allow("task_instance", "read")) -> JSON:
    return _list(state, dag_id, dag_run_id, task_id, map_index, page)


@router.get(_PATH + "/tries/{task_try_number:int}")
def get_try(dag_id: str, dag_run_id: str, task_id: str, task_try_number: int, state: State,
            _: Allow("task_instance", "read")) -> JSON:
    with state.db.read() as s:
        return JSON(_one(s, dag_id, dag_run_id, task_id, -1, task_try_number))


@router.get(_PATH + "/{map_index:int}/tries/{task_try_number:int}")
def get_mapped_try(dag_id: str, dag_run_id: str, task_id: str, map_index: int,
                   task_try_number: int, state: State,
                   _: Allow("task_instance", "read")) -> JSON:
    with state.db.read() as s:
        return JSON(_one(s, dag_id, dag_run_id, task_id, map_index, task_try_number))


def _list(state: State, dag_id: str, run_id: str, task_id: str, map_index: int,
          page: Any) -> JSON:
    with state.db.read() as s:
        found = _tries(s, dag_id, run_id, task_id, map_index)
    return JSON({"task_instances": found[page.offset:page.offset + page.limit],
                 "total_entries": len(found)})
