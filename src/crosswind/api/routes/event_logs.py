"""/eventLogs: the audit trail (read-only): who triggered, cleared, changed what, and when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.responses import JSON
from crosswind.api.schemas.dag_runs import parse_dt
from crosswind.api.schemas.event_logs import render_event
from crosswind.errors import NotFound
from crosswind.models import EventLog

router = APIRouter(tags=["EventLog"])
E = EventLog
ORDER = {
    "event_log_id": E.id,
    "id": E.id,
    "when": E.dttm,
    "dag_id": E.dag_id,
    "task_id": E.task_id,
    "run_id": E.run_id,
    "event": E.event,
    "execution_date": E.execution_date,
    "owner": E.owner,
    "extra": E.extra,
    "map_index": E.map_index,
    "try_number": E.try_number,
}


def _csv(raw: str | None) -> list[str]:
    return [v.strip() for v in (raw or "").split(",") if v.strip()]


@router.get("/eventLogs")
def list_events(
    state: State,
    page: PageDep,
    _: Allow("event_log", "read"),
    dag_id: str | None = None,
    task_id: str | None = None,
    run_id: str | None = None,
    map_index: int | None = None,
    try_number: int | None = None,
    event: str | None = None,
    owner: str | None = None,
    before: Annotated[str | None, Query()] = None,
    after: Annotated[str | None, Query()] = None,
    included_events: str | None = None,
    excluded_events: str | None = None,
) -> JSON:
    stmt = select(E)
    for col, value in (
        (E.dag_id, dag_id),
        (E.task_id, task_id),
        (E.run_id, run_id),
        (E.map_index, map_index),
        (E.try_number, try_number),
        (E.event, event),
        (E.owner, owner),
    ):
        if value is not None:
            stmt = stmt.where(col == value)
    if (b := parse_dt("before", before)) is not None:
        stmt = stmt.where(E.dttm < b)
    if (a := parse_dt("after", after)) is not None:
        stmt = stmt.where(E.dttm > a)
    if inc := _csv(included_events):
        stmt = stmt.where(E.event.in_(inc))
    if exc := _csv(excluded_events):
        stmt = stmt.where(E.event.not_in(exc))
    with state.db.read() as s:
        rows, total = paginate(s, stmt, page, ORDER, E.id)
        items = [render_event(e) for e in rows]
    return JSON({"event_logs": items, "total_entries": total})


@router.get("/eventLogs/{event_log_id}")
def get_event(event_log_id: int, state: State, _: Allow("event_log", "read")) -> JSON:
    with state.db.read() as s:
        e = s.get(E, event_log_id)
        if e is None:
            raise NotFound(f"Event log {event_log_id} not found")
        return JSON(render_event(e))
