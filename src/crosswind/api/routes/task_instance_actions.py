"""Task-instance changes that make the scheduler act: clear (seed per task instance and
Airflow's clearTaskInstances), run now, set state (PATCH and updateTaskInstancesState),
notes. Each records an event and wakes the scheduler after the commit; the state rules live
in `crosswind.store.task_instances`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.api.schemas.task_instances import (
    ClearOneBody,
    ClearTaskInstancesBody,
    TaskNoteBody,
    UpdateTaskInstanceBody,
    UpdateTaskInstancesStateBody,
    render_ref,
    render_ti,
)
from crosswind.errors import InvalidInput, NotFound
from crosswind.models import DagRun
from crosswind.roles import EDIT
from crosswind.store import dag_runs as run_store
from crosswind.store import event_log
from crosswind.store import task_instances as store
from crosswind.store.external_clear import with_dependent_dags

router = APIRouter(tags=["TaskInstance"])
_PATH = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"


def _change(
    s: Session,
    dag_id: str,
    run: DagRun,
    task_id: str,
    body: UpdateTaskInstanceBody | UpdateTaskInstancesStateBody,
    who: str,
) -> JSON:
    dag = run_store.serialized(s, dag_id)
    flags = {
        k: getattr(body, f"include_{k}", False)
        for k in ("upstream", "downstream", "future", "past")
    }
    change = store.StateChange(task_id, run, body.new_state, **flags)
    if body.dry_run:
        pairs = store.affected(s, dag, change)
    else:
        pairs = store.set_state(s, dag, change)
        event_log.record(
            s,
            "task_instance.set_state",
            who,
            dag_id=dag_id,
            task_id=task_id,
            run_id=run.run_id,
            execution_date=run.logical_date,
            extra={"new_state": body.new_state, **flags},
        )
    return JSON({"task_instances": [render_ref(ti, r) for ti, r in pairs]})


@router.patch(_PATH + "/{task_id}")
def set_ti_state(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    body: UpdateTaskInstanceBody,
    state: State,
    who: Allow("task_instance", "write"),
) -> JSON:
    with state.db.write() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        ti = store.get_ti(s, dag_id, dag_run_id, task_id)
        _change(s, dag_id, run, task_id, body, who.username)
        s.flush()
        out = render_ref(ti, run)
    if not body.dry_run:
        state.notify_scheduler()
    return JSON(out)


@router.post("/dags/{dag_id}/updateTaskInstancesState")
def update_tis_state(
    dag_id: str,
    body: UpdateTaskInstancesStateBody,
    state: State,
    who: Allow("task_instance", "write", EDIT),
) -> JSON:
    with state.db.write() as s:
        run = _run_of(s, dag_id, body.dag_run_id, body)
        out = _change(s, dag_id, run, body.task_id, body, who.username)
    if not body.dry_run:
        state.notify_scheduler()
    return out


def _run_of(
    s: Session, dag_id: str, run_id: str | None, body: UpdateTaskInstancesStateBody
) -> DagRun:
    if run_id:
        return run_store.get_run(s, dag_id, run_id)
    if body.execution_date is None:
        raise InvalidInput("give dag_run_id or execution_date")
    run = s.scalars(
        select(DagRun).where(DagRun.dag_id == dag_id, DagRun.logical_date == body.execution_date)
    ).first()
    if run is None:
        raise NotFound(f"No DAG run of {dag_id!r} at {body.execution_date.isoformat()}")
    return run


@router.patch(_PATH + "/{task_id}/setNote")
def set_ti_note(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    body: TaskNoteBody,
    state: State,
    who: Allow("task_instance", "write"),
) -> JSON:
    with state.db.write() as s:
        return note_response(s, dag_id, dag_run_id, task_id, -1, body, who.username)


def note_response(s: Session, dag_id: str, dag_run_id: str, task_id: str, map_index: int,
                  body: TaskNoteBody, who: str) -> JSON:
    """Set one task instance's note (and record it); the task instance as it is now."""
    run = run_store.get_run(s, dag_id, dag_run_id)
    ti = store.get_ti(s, dag_id, dag_run_id, task_id, map_index)
    ti.note = body.note
    event_log.record(
        s,
        "task_instance.set_note",
        who,
        dag_id=dag_id,
        task_id=task_id,
        run_id=dag_run_id,
        execution_date=run.logical_date,
        extra={"note": body.note},
        map_index=None if map_index < 0 else map_index,
    )
    s.flush()
    return JSON(render_ti(ti, run))


@router.post(_PATH + "/{task_id}/clear")
def clear_ti(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    state: State,
    who: Allow("task_instance", "write", EDIT),
    body: Annotated[ClearOneBody | None, Body()] = None,
) -> JSON:
    body = body or ClearOneBody()
    with state.db.write() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        store.get_ti(s, dag_id, dag_run_id, task_id)
        dag = run_store.serialized(s, dag_id)
        ids = store.clear_relatives(
            dag, [task_id], upstream=body.include_upstream, downstream=body.include_downstream
        )
        spec = store.ClearSpec(
            task_ids=ids,
            run_ids={dag_run_id},
            only_failed=body.only_failed,
            only_running=body.only_running,
        )
        pairs = store.find(s, dag_id, spec)
        if not body.dry_run:
            store.clear(s, dag, pairs)
            event_log.record(
                s,
                "task_instance.clear",
                who.username,
                dag_id=dag_id,
                task_id=task_id,
                run_id=dag_run_id,
                execution_date=run.logical_date,
                extra={"task_ids": sorted(ti.task_id for ti, _ in pairs)},
            )
        s.flush()
        cleared = [render_ti(ti, r) for ti, r in pairs]
    if not body.dry_run:
        state.notify_scheduler()
    return JSON({"message": "Task instance cleared successfully.", "task_instances": cleared})


@router.post(_PATH + "/{task_id}/run")
def run_ti(
    dag_id: str, dag_run_id: str, task_id: str, state: State, who: Allow("task_instance", "write")
) -> JSON:
    with state.db.write() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        ti = store.get_ti(s, dag_id, dag_run_id, task_id)
        store.run_now(s, run_store.serialized(s, dag_id), ti, run)
        event_log.record(
            s,
            "task_instance.run",
            who.username,
            dag_id=dag_id,
            task_id=task_id,
            run_id=dag_run_id,
            execution_date=run.logical_date,
            try_number=ti.try_number,
        )
    state.notify_scheduler()
    return JSON({"message": "Task instance triggered to run."})


@router.post("/dags/{dag_id}/clearTaskInstances")
def clear_tis(
    dag_id: str, body: ClearTaskInstancesBody, state: State,
    who: Allow("task_instance", "write", EDIT),
) -> JSON:
    with state.db.write() as s:
        dag = run_store.serialized(s, dag_id)
        task_ids = None
        if body.task_ids:
            task_ids = store.clear_relatives(
                dag,
                body.task_ids,
                upstream=body.include_upstream,
                downstream=body.include_downstream,
            )
        run_ids = None
        start, end = body.start_date, body.end_date
        if body.dag_run_id:
            run = run_store.get_run(s, dag_id, body.dag_run_id)
            run_ids = None if body.include_future or body.include_past else {run.run_id}
            start = None if body.include_past else run.logical_date
            end = None if body.include_future else run.logical_date
        spec = store.ClearSpec(
            task_ids=task_ids,
            run_ids=run_ids,
            start_date=start,
            end_date=end,
            only_failed=body.only_failed,
            only_running=body.only_running,
            reset_dag_runs=body.reset_dag_runs,
        )
        pairs = store.find(s, dag_id, spec)
        by_dag = {dag_id: pairs}
        if body.include_subdags:  # Airflow's "recursive": follow ExternalTaskMarkers
            by_dag = with_dependent_dags(
                s, pairs, only_failed=body.only_failed, only_running=body.only_running
            )
            pairs = [pair for group in by_dag.values() for pair in group]
        if not body.dry_run:
            for group_dag_id, group in by_dag.items():
                group_dag = dag if group_dag_id == dag_id else run_store.serialized(s, group_dag_id)
                store.clear(
                    s, group_dag, group, run_state="running" if body.reset_dag_runs else None
                )
            event_log.record(
                s,
                "task_instance.clear",
                who.username,
                dag_id=dag_id,
                run_id=body.dag_run_id,
                extra={"task_ids": sorted({ti.task_id for ti, _ in pairs}), "count": len(pairs)},
            )
            s.flush()
        refs = [render_ref(ti, r) for ti, r in pairs]
    if not body.dry_run:
        state.notify_scheduler()
    return JSON({"task_instances": refs})
