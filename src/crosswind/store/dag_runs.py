"""Creating DAG runs together with their task instances (one transaction: never half a run).

Used by the API (manual runs) and the scheduler (scheduled runs), so both produce identical
rows. The unique constraints on (dag_id, run_id) and (dag_id, logical_date) make a duplicate
impossible even when two processes race; the loser gets `AlreadyExists`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from crosswind.db.base import utcnow
from crosswind.errors import AlreadyExists, NotFound
from crosswind.models import DagModel, DagRun, SerializedDag, TaskInstance, TaskTry, XCom
from crosswind.states import TI_BUSY, TI_FINISHED, RunState, TaskState
from crosswind.store import transitions


def run_id_for(run_type: str, logical_date: datetime) -> str:
    """Airflow's run id form: `manual__2024-01-01T00:00:00+00:00`."""
    return f"{run_type}__{logical_date.isoformat()}"


def serialized(session: Session, dag_id: str) -> dict[str, Any]:
    data = session.scalar(select(SerializedDag.data).where(SerializedDag.dag_id == dag_id))
    if data is None:
        raise NotFound(f"DAG {dag_id!r} not found")
    return data


def task_instance_rows(dag: dict[str, Any], run_id: str) -> list[TaskInstance]:
    return [
        TaskInstance(
            dag_id=dag["dag_id"],
            run_id=run_id,
            task_id=t["task_id"],
            map_index=-1,
            state=None,
            try_number=0,
            max_tries=int(t.get("retries") or 0),
            pool=t.get("pool") or "default_pool",
            pool_slots=int(t.get("pool_slots") or 1),
            queue=t.get("queue") or "default",
            priority_weight=int(t.get("priority_weight_total", t.get("priority_weight", 1))),
            operator=t.get("task_type"),
            task_display_name=(t.get("task_display_name")
                               if t.get("task_display_name") != t["task_id"] else None),
        )
        for t in dag["tasks"]
    ]


def create_run(
    session: Session,
    dag: dict[str, Any],
    *,
    logical_date: datetime,
    data_interval: tuple[datetime, datetime] | None,
    run_type: str,
    run_id: str | None = None,
    conf: dict[str, Any] | None = None,
    state: str = RunState.QUEUED,
    note: str | None = None,
    creating_user: str | None = None,
    idempotency_key: str | None = None,
) -> DagRun:
    """Insert a run in `state` with one task instance (state none) per task."""
    dag_id = dag["dag_id"]
    run_id = run_id or run_id_for(run_type, logical_date)
    clash = session.scalars(
        select(DagRun).where(
            DagRun.dag_id == dag_id,
            or_(DagRun.run_id == run_id, DagRun.logical_date == logical_date),
        )
    ).first()
    if clash is not None:
        what = (
            f"run_id {run_id!r}"
            if clash.run_id == run_id
            else f"logical_date {logical_date.isoformat()}"
        )
        raise AlreadyExists(f"DAGRun with DAG ID: {dag_id!r} and {what} already exists")
    now = utcnow()
    run = DagRun(
        dag_id=dag_id,
        run_id=run_id,
        logical_date=logical_date,
        data_interval_start=data_interval[0] if data_interval else None,
        data_interval_end=data_interval[1] if data_interval else None,
        state=state,
        run_type=run_type,
        external_trigger=run_type == "manual",
        conf=conf or {},
        note=note,
        queued_at=now,
        creating_user=creating_user,
        idempotency_key=idempotency_key,
    )
    session.add(run)
    session.add_all(task_instance_rows(dag, run_id))
    session.flush()
    return run


def get_run(session: Session, dag_id: str, run_id: str) -> DagRun:
    run = session.scalars(
        select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
    ).first()
    if run is None:
        raise NotFound(f"DAGRun with DAG ID: {dag_id!r} and DagRun ID: {run_id!r} not found")
    return run


def by_idempotency_key(session: Session, dag_id: str, key: str) -> DagRun | None:
    return session.scalars(
        select(DagRun).where(DagRun.dag_id == dag_id, DagRun.idempotency_key == key)
    ).first()


def dag_exists(session: Session, dag_id: str) -> None:
    """Raise NotFound unless the DAG processor stored `dag_id`."""
    if session.get(DagModel, dag_id) is None:
        raise NotFound(f"DAG {dag_id!r} not found")


def delete_run(session: Session, run: DagRun) -> None:
    """Remove the run and everything hanging off it (task instances, tries, XComs)."""
    for model in (TaskInstance, TaskTry, XCom):
        session.execute(
            delete(model).where(model.dag_id == run.dag_id, model.run_id == run.run_id)
        )
    session.delete(run)


def task_instances(session: Session, run: DagRun) -> list[TaskInstance]:
    return list(
        session.scalars(
            select(TaskInstance)
            .where(TaskInstance.dag_id == run.dag_id, TaskInstance.run_id == run.run_id)
            .order_by(TaskInstance.id)
        )
    )


def reopen(run: DagRun, state: str = RunState.RUNNING) -> None:
    """Put a run back in play after its task instances were cleared or re-run."""
    values: dict[str, Any] = {"end_date": None, "last_scheduling_decision": None}
    if state == RunState.QUEUED:
        values.update(start_date=None, queued_at=utcnow())
    transitions.move_loaded_run(run, state, **values)


def set_run_state(session: Session, run: DagRun, state: str) -> list[TaskInstance]:
    """Airflow's set_dag_run_state_to_{success,failed}; returns the changed task instances.

    success: every unfinished task instance becomes success.
    failed: queued/running ones become failed, those not started become skipped.
    (`queued` is a clear: see `crosswind.store.task_instances.clear`.)
    """
    now = utcnow()
    by_state: dict[str, list[TaskInstance]] = {}
    for ti in task_instances(session, run):
        new = _forced_state(ti.state, state)
        if new is None:
            continue
        ti.start_date = ti.start_date or now
        ti.duration = (now - ti.start_date).total_seconds()
        by_state.setdefault(new, []).append(ti)
    for new, tis in by_state.items():
        transitions.move_loaded_tis(session, tis, new, end_date=now)
    transitions.move_loaded_run(run, state, start_date=run.start_date or now, end_date=now)
    return [ti for tis in by_state.values() for ti in tis]


def _forced_state(current: str | None, run_state: str) -> str | None:
    if current in TI_FINISHED:
        return None
    if run_state == RunState.SUCCESS:
        return TaskState.SUCCESS
    return TaskState.FAILED if current in TI_BUSY else TaskState.SKIPPED
