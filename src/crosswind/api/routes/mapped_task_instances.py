"""Mapped task instances (one per map index): listMapped with Airflow's filters and
orderings, one map index read, its state set (PATCH) and its note. The unmapped routes
(`.../taskInstances/{task_id}`) keep meaning map_index -1."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from crosswind.api.date_filters import DateFiltersDep
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep
from crosswind.api.responses import JSON
from crosswind.api.routes.task_instance_actions import note_response
from crosswind.api.routes.task_instances import list_filters, render_page
from crosswind.api.schemas.task_instances import (
    TaskNoteBody,
    UpdateTaskInstanceBody,
    render_ref,
    render_ti,
)
from crosswind.errors import InvalidInput, NotFound
from crosswind.models import DagRun, TaskInstance
from crosswind.store import dag_runs as run_store
from crosswind.store import event_log
from crosswind.store import task_instances as store

router = APIRouter(tags=["TaskInstance"])
TI = TaskInstance
_PATH = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"
Many = Annotated[list[str] | None, Query()]
# Airflow's listMapped orderings; ties (and the default) go by map_index.
_ORDER = {"state": TI.state, "duration": TI.duration, "start_date": TI.start_date,
          "end_date": TI.end_date}


def _order(order_by: str | None) -> list[Any]:
    if not order_by or order_by == "map_index":
        return [TI.map_index.asc()]
    if order_by == "-map_index":
        return [TI.map_index.desc()]
    desc = order_by.startswith("-")
    col = _ORDER.get(order_by.lstrip("-"))
    if col is None:
        raise InvalidInput(f"Ordering with '{order_by}' is not supported")
    return [col.desc() if desc else col.asc(), TI.map_index.asc()]


def _check_mapped(s: Session, dag_id: str, task_id: str) -> None:
    """No index at all is fine for a mapped task (it expanded to nothing, or not yet)."""
    tasks = {t["task_id"]: t for t in run_store.serialized(s, dag_id)["tasks"]}
    if task_id not in tasks:
        raise NotFound(f"Task id {task_id} not found")
    if not (tasks[task_id].get("is_mapped") or tasks[task_id].get("mapped_group")):
        raise NotFound(f"Task id {task_id} is not mapped")


@router.get(_PATH + "/listMapped")
def list_mapped(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    state: State,
    page: PageDep,
    who: Allow("task_instance", "read"),
    dates: DateFiltersDep,
    duration_gte: float | None = None,
    duration_lte: float | None = None,
    ti_state: Annotated[list[str] | None, Query(alias="state")] = None,
    pool: Many = None,
    queue: Many = None,
    executor: Many = None,
) -> JSON:
    stmt: Select[Any] = (
        select(TI).join(DagRun, (DagRun.dag_id == TI.dag_id) & (DagRun.run_id == TI.run_id))
        .where(TI.dag_id == dag_id, TI.run_id == dag_run_id, TI.task_id == task_id,
               TI.map_index >= 0))
    stmt = list_filters(stmt, dates, duration_gte, duration_lte, ti_state, pool, queue)
    order = _order(page.order_by)
    with state.db.read() as s:
        run_store.get_run(s, dag_id, dag_run_id)
        _check_mapped(s, dag_id, task_id)
        total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        rows = list(s.scalars(stmt.order_by(*order).limit(page.limit).offset(page.offset)))
        return render_page(s, rows, total)


@router.get(_PATH + "/{map_index:int}")
def get_mapped(dag_id: str, dag_run_id: str, task_id: str, map_index: int, state: State,
               _: Allow("task_instance", "read")) -> JSON:
    with state.db.read() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        return JSON(render_ti(store.get_ti(s, dag_id, dag_run_id, task_id, map_index), run))


@router.patch(_PATH + "/{map_index:int}")
def set_mapped_state(dag_id: str, dag_run_id: str, task_id: str, map_index: int,
                     body: UpdateTaskInstanceBody, state: State,
                     who: Allow("task_instance", "write")) -> JSON:
    """Only this index changes (its failed downstream tasks are cleared, as for one TI)."""
    with state.db.write() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        ti = store.get_ti(s, dag_id, dag_run_id, task_id, map_index)
        if not body.dry_run:
            dag = run_store.serialized(s, dag_id)
            store.set_state(s, dag, store.StateChange(task_id, run, body.new_state,
                                                      map_index=map_index))
            event_log.record(s, "task_instance.set_state", who.username, dag_id=dag_id,
                             task_id=task_id, run_id=run.run_id, map_index=map_index,
                             execution_date=run.logical_date,
                             extra={"new_state": body.new_state})
        s.flush()
        out = render_ref(ti, run)
    if not body.dry_run:
        state.notify_scheduler()
    return JSON(out)


@router.patch(_PATH + "/{map_index:int}/setNote")
def set_mapped_note(dag_id: str, dag_run_id: str, task_id: str, map_index: int,
                    body: TaskNoteBody, state: State,
                    who: Allow("task_instance", "write")) -> JSON:
    with state.db.write() as s:
        return note_response(s, dag_id, dag_run_id, task_id, map_index, body, who.username)
