"""/dags/{dag_id}/dagRuns: list (also `~` for every DAG), trigger, get, delete, set state,
clear, note; POST /dags/~/dagRuns/list.

Triggering with an `Idempotency-Key` header: the key is stored on the run (unique per DAG).
A retry with the same key and the same body returns the run it created (200, same body)
instead of a 409 or a second run; the same key with a different body (conf, logical date,
run id or note that disagree with the stored run) is a 409, because the caller is reusing a
key for a different request.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crosswind.api.auth import Principal
from crosswind.api.date_filters import DateFiltersDep
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import Page, PageDep, paginate
from crosswind.api.responses import JSON
from crosswind.api.schemas.dag_runs import (
    ClearRunBody,
    ListRunsForm,
    NoteBody,
    RunStateBody,
    TriggerBody,
    date_range,
    render_run,
)
from crosswind.api.schemas.task_instances import render_ref
from crosswind.db.base import utcnow
from crosswind.errors import AlreadyExists, InvalidInput
from crosswind.models import DagRun
from crosswind.roles import EDIT
from crosswind.states import RUN_ALL
from crosswind.store import dag_runs as store
from crosswind.store import event_log
from crosswind.store import task_instances as ti_store
from crosswind.store.manual_runs import create_manual_run

router = APIRouter(tags=["DAGRun"])
ORDER = {
    "id": DagRun.id,
    "dag_id": DagRun.dag_id,
    "run_id": DagRun.run_id,
    "dag_run_id": DagRun.run_id,
    "state": DagRun.state,
    "run_type": DagRun.run_type,
    "execution_date": DagRun.logical_date,
    "logical_date": DagRun.logical_date,
    "start_date": DagRun.start_date,
    "end_date": DagRun.end_date,
    "queued_at": DagRun.queued_at,
    "updated_at": DagRun.updated_at,
    "data_interval_start": DagRun.data_interval_start,
    "data_interval_end": DagRun.data_interval_end,
    "external_trigger": DagRun.external_trigger,
    "last_scheduling_decision": DagRun.last_scheduling_decision,
}


def _states(raw: list[str] | None) -> list[str] | None:
    states = [s for item in raw or () for s in item.split(",") if s] or None
    bad = set(states or ()) - RUN_ALL
    if bad:
        raise InvalidInput(f"unknown DAG run state(s): {', '.join(sorted(bad))}")
    return states


def _list(
    s: Session,
    who: Principal,
    page: Page,
    dag_ids: list[str] | None,
    states: list[str] | None,
    ranges: dict[str, tuple[datetime | None, datetime | None]],
) -> JSON:
    stmt = select(DagRun)
    if dag_ids is not None:
        stmt = stmt.where(DagRun.dag_id.in_(dag_ids))
    if who.dag_ids is not None:
        stmt = stmt.where(DagRun.dag_id.in_(sorted(who.dag_ids)))
    if states:
        stmt = stmt.where(DagRun.state.in_(states))
    for name, (gte, lte) in ranges.items():
        stmt = date_range(stmt, ORDER[name], gte, lte)
    rows, total = paginate(s, stmt, page, ORDER, DagRun.id)
    return JSON({"dag_runs": [render_run(r) for r in rows], "total_entries": total})


@router.get("/dags/{dag_id}/dagRuns")
def list_runs(
    dag_id: str,
    state: State,
    page: PageDep,
    who: Allow("dag_run", "read"),
    dates: DateFiltersDep,
    run_state: Annotated[list[str] | None, Query(alias="state")] = None,
) -> JSON:
    states = _states(run_state)
    with state.db.read() as s:
        if dag_id != "~":
            store.dag_exists(s, dag_id)
        return _list(s, who, page, None if dag_id == "~" else [dag_id], states, dates.ranges())


@router.post("/dags/~/dagRuns/list")
def list_runs_batch(body: ListRunsForm, state: State, who: Allow("dag_run", "read")) -> JSON:
    cap = state.settings.maximum_page_limit
    page = Page(min(body.page_limit, cap), body.page_offset, body.order_by)
    ranges = {
        "execution_date": (body.execution_date_gte, body.execution_date_lte),
        "start_date": (body.start_date_gte, body.start_date_lte),
        "end_date": (body.end_date_gte, body.end_date_lte),
    }
    with state.db.read() as s:
        return _list(s, who, page, body.dag_ids, body.states, ranges)


def _same_request(run: DagRun, body: TriggerBody) -> bool:
    given = body.the_logical_date
    return (
        (given is None or given == run.logical_date)
        and (body.the_run_id is None or body.the_run_id == run.run_id)
        and (body.conf or {}) == (run.conf or {})
        and (body.note is None or body.note == run.note)
    )


def _replay(s: Session, dag_id: str, key: str, body: TriggerBody) -> JSON | None:
    run = store.by_idempotency_key(s, dag_id, key)
    if run is None:
        return None
    if not _same_request(run, body):
        raise AlreadyExists(
            f"Idempotency-Key {key!r} was already used for run {run.run_id!r} with a different body"
        )
    return JSON(render_run(run))


def _trigger(s: Session, dag_id: str, body: TriggerBody, who: str, key: str | None) -> JSON:
    if key and (replay := _replay(s, dag_id, key, body)) is not None:
        return replay
    logical = body.the_logical_date or utcnow()
    given = (body.data_interval_start, body.data_interval_end)
    run = create_manual_run(
        s,
        dag_id,
        logical_date=logical,
        data_interval=given if all(given) else None,  # type: ignore[arg-type]
        run_id=body.the_run_id,
        conf=body.conf,
        note=body.note,
        creating_user=who,
        idempotency_key=key,
    )
    event_log.record(
        s,
        "trigger",
        who,
        dag_id=dag_id,
        run_id=run.run_id,
        execution_date=logical,
        extra={"conf": run.conf},
    )
    return JSON(render_run(run))


@router.post("/dags/{dag_id}/dagRuns")
def trigger(
    dag_id: str,
    body: TriggerBody,
    state: State,
    who: Allow("dag_run", "write"),
    idempotency_key: Annotated[str | None, Header(max_length=256)] = None,
) -> JSON:
    try:
        with state.db.write() as s:
            out = _trigger(s, dag_id, body, who.username, idempotency_key)
    except IntegrityError:
        # A concurrent request with the same key won the insert: answer with its run.
        if not idempotency_key:
            raise
        with state.db.read() as s:
            replay = _replay(s, dag_id, idempotency_key, body)
        if replay is None:
            raise
        return replay
    state.notify_scheduler()
    return out


@router.get("/dags/{dag_id}/dagRuns/{dag_run_id}")
def get_run(dag_id: str, dag_run_id: str, state: State, _: Allow("dag_run", "read")) -> JSON:
    with state.db.read() as s:
        return JSON(render_run(store.get_run(s, dag_id, dag_run_id)))


@router.delete("/dags/{dag_id}/dagRuns/{dag_run_id}", status_code=204)
def delete_run(
    dag_id: str, dag_run_id: str, state: State, who: Allow("dag_run", "write")
) -> Response:
    with state.db.write() as s:
        run = store.get_run(s, dag_id, dag_run_id)
        event_log.record(
            s,
            "dag_run.delete",
            who.username,
            dag_id=dag_id,
            run_id=dag_run_id,
            execution_date=run.logical_date,
        )
        store.delete_run(s, run)
    state.notify_scheduler()
    return Response(status_code=204)


@router.patch("/dags/{dag_id}/dagRuns/{dag_run_id}")
def set_run_state(
    dag_id: str, dag_run_id: str, body: RunStateBody, state: State, who: Allow("dag_run", "write")
) -> JSON:
    with state.db.write() as s:
        run = store.get_run(s, dag_id, dag_run_id)
        if body.state == "queued":
            dag = store.serialized(s, dag_id)
            pairs = [(ti, run) for ti in store.task_instances(s, run)]
            ti_store.clear(s, dag, pairs, run_state="queued")
        else:
            store.set_run_state(s, run, body.state)
        event_log.record(
            s,
            "dag_run.set_state",
            who.username,
            dag_id=dag_id,
            run_id=dag_run_id,
            execution_date=run.logical_date,
            extra={"state": body.state},
        )
        s.flush()
        out = render_run(run)
    state.notify_scheduler()
    return JSON(out)


@router.post("/dags/{dag_id}/dagRuns/{dag_run_id}/clear")
def clear_run(
    dag_id: str, dag_run_id: str, body: ClearRunBody, state: State,
    who: Allow("dag_run", "write", EDIT),
) -> JSON:
    with state.db.write() as s:
        run = store.get_run(s, dag_id, dag_run_id)
        pairs = [(ti, run) for ti in store.task_instances(s, run)]
        if body.dry_run:
            refs = [render_ref(ti, r) for ti, r in pairs]
            return JSON({"task_instances": refs, "total_entries": len(refs)})
        ti_store.clear(s, store.serialized(s, dag_id), pairs)
        event_log.record(
            s,
            "dag_run.clear",
            who.username,
            dag_id=dag_id,
            run_id=dag_run_id,
            execution_date=run.logical_date,
        )
        s.flush()
        out = render_run(run)
    state.notify_scheduler()
    return JSON(out)


@router.patch("/dags/{dag_id}/dagRuns/{dag_run_id}/setNote")
def set_run_note(
    dag_id: str, dag_run_id: str, body: NoteBody, state: State, who: Allow("dag_run", "write")
) -> JSON:
    with state.db.write() as s:
        run = store.get_run(s, dag_id, dag_run_id)
        run.note = body.note
        event_log.record(
            s,
            "dag_run.set_note",
            who.username,
            dag_id=dag_id,
            run_id=dag_run_id,
            execution_date=run.logical_date,
            extra={"note": body.note},
        )
        s.flush()
        out = render_run(run)
    return JSON(out)
