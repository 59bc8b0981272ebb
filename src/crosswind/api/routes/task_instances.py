"""Task instances, reading: lists (`~` wildcards for DAG and run, Airflow's filters and the
batch form) and one task instance. Changes are in `task_instance_actions`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import Select, select, tuple_
from sqlalchemy.orm import Session

from crosswind.api.auth import Principal
from crosswind.api.date_filters import DateFiltersDep
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import Page, PageDep, paginate
from crosswind.api.responses import JSON
from crosswind.api.schemas.dag_runs import date_range
from crosswind.api.schemas.task_instances import (
    ListTaskInstanceForm,
    render_ti,
)
from crosswind.errors import InvalidInput
from crosswind.models import DagRun, TaskInstance
from crosswind.states import TI_ALL
from crosswind.store import dag_runs as run_store
from crosswind.store import task_instances as store

router = APIRouter(tags=["TaskInstance"])
TI = TaskInstance
ORDER = {
    "id": TI.id,
    "task_id": TI.task_id,
    "dag_id": TI.dag_id,
    "run_id": TI.run_id,
    "dag_run_id": TI.run_id,
    "map_index": TI.map_index,
    "state": TI.state,
    "start_date": TI.start_date,
    "end_date": TI.end_date,
    "duration": TI.duration,
    "try_number": TI.try_number,
    "max_tries": TI.max_tries,
    "pool": TI.pool,
    "queue": TI.queue,
    "priority_weight": TI.priority_weight,
    "operator": TI.operator,
    "queued_when": TI.queued_when,
    "updated_at": TI.updated_at,
    "execution_date": DagRun.logical_date,
    "logical_date": DagRun.logical_date,
}
Many = Annotated[list[str] | None, Query()]
_PATH = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"


def _split(raw: Sequence[str] | None) -> list[str] | None:
    return [v for item in raw or () for v in item.split(",") if v] or None


def _state_filter(stmt: Select[Any], states: Sequence[str | None] | None) -> Select[Any]:
    if not states:
        return stmt
    bad = {s for s in states if s is not None} - TI_ALL
    if bad:
        raise InvalidInput(f"unknown task instance state(s): {', '.join(sorted(bad))}")
    named = [s for s in states if s not in (None, "none")]
    cond = TI.state.in_(named)
    if len(named) != len(states):  # "none" (or null) asks for task instances without state
        cond = cond | TI.state.is_(None)
    return stmt.where(cond)


def _base(who: Principal) -> Select[Any]:
    stmt = select(TI).join(DagRun, (DagRun.dag_id == TI.dag_id) & (DagRun.run_id == TI.run_id))
    if who.dag_ids is not None:
        stmt = stmt.where(TI.dag_id.in_(sorted(who.dag_ids)))
    return stmt


def _page(s: Session, stmt: Select[Any], page: Page) -> JSON:
    rows, total = paginate(s, stmt, page, ORDER, TI.id)
    return render_page(s, rows, total)


def render_page(s: Session, rows: Sequence[TaskInstance], total: int) -> JSON:
    """A TaskInstanceCollection of `rows` (their runs read in one query)."""
    keys = {(ti.dag_id, ti.run_id) for ti in rows}
    runs = {}
    if keys:
        found = s.scalars(select(DagRun).where(tuple_(DagRun.dag_id, DagRun.run_id).in_(keys)))
        runs = {(r.dag_id, r.run_id): r for r in found}
    items = [render_ti(ti, runs[(ti.dag_id, ti.run_id)]) for ti in rows]
    return JSON({"task_instances": items, "total_entries": total})


def _filters(stmt: Select[Any], f: ListTaskInstanceForm) -> Select[Any]:
    for col, values in (
        (TI.dag_id, f.dag_ids),
        (TI.run_id, f.dag_run_ids),
        (TI.task_id, f.task_ids),
        (TI.pool, f.pool),
        (TI.queue, f.queue),
    ):
        if values:
            stmt = stmt.where(col.in_(values))
    stmt = date_range(stmt, DagRun.logical_date, f.execution_date_gte, f.execution_date_lte)
    stmt = date_range(stmt, TI.start_date, f.start_date_gte, f.start_date_lte)
    stmt = date_range(stmt, TI.end_date, f.end_date_gte, f.end_date_lte)
    stmt = date_range(stmt, TI.duration, f.duration_gte, f.duration_lte)
    return _state_filter(stmt, f.state)


def list_filters(stmt: Select[Any], dates: Any, duration_gte: float | None,
                 duration_lte: float | None, ti_state: Sequence[str] | None,
                 pool: Sequence[str] | None, queue: Sequence[str] | None) -> Select[Any]:
    """The query filters of the GET task-instance lists (also listMapped)."""
    form = ListTaskInstanceForm(
        execution_date_gte=dates.execution_date[0],
        execution_date_lte=dates.execution_date[1],
        start_date_gte=dates.start_date[0],
        start_date_lte=dates.start_date[1],
        end_date_gte=dates.end_date[0],
        end_date_lte=dates.end_date[1],
        duration_gte=duration_gte,
        duration_lte=duration_lte,
        pool=_split(pool),
        queue=_split(queue),
    )
    stmt = _filters(stmt, form)
    stmt = _state_filter(stmt, _split(ti_state))
    return date_range(stmt, TI.updated_at, *dates.updated_at)


@router.get(_PATH)
def list_tis(
    dag_id: str,
    dag_run_id: str,
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
    stmt = list_filters(_base(who), dates, duration_gte, duration_lte, ti_state, pool, queue)
    if dag_id != "~":
        stmt = stmt.where(TI.dag_id == dag_id)
    if dag_run_id != "~":
        stmt = stmt.where(TI.run_id == dag_run_id)
    with state.db.read() as s:
        if dag_id != "~" and dag_run_id != "~":
            run_store.get_run(s, dag_id, dag_run_id)
        elif dag_id != "~":
            run_store.dag_exists(s, dag_id)
        return _page(s, stmt, page)


@router.post("/dags/~/dagRuns/~/taskInstances/list")
def list_tis_batch(
    body: ListTaskInstanceForm, state: State, who: Allow("task_instance", "read")
) -> JSON:
    page = Page(
        min(body.page_limit, state.settings.maximum_page_limit), body.page_offset, body.order_by
    )
    with state.db.read() as s:
        return _page(s, _filters(_base(who), body), page)


@router.get(_PATH + "/{task_id}")
def get_ti(
    dag_id: str, dag_run_id: str, task_id: str, state: State, _: Allow("task_instance", "read")
) -> JSON:
    with state.db.read() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        return JSON(render_ti(store.get_ti(s, dag_id, dag_run_id, task_id), run))
