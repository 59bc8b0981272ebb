"""Why a task instance is not running: the scheduler's own checks, read back for the API
(`GET .../taskInstances/{task_id}/dependencies`, Airflow's "failed dependencies").

`facts()` reads what the checks need (one TI, its run, its DAG row, the pool and the active
counts the queueing limits use); `blockers()` is pure and returns (name, reason) pairs with
Airflow's dependency names:

    Dagrun Running                 the run is not running (queued: max_active_runs reached)
    Dag Not Paused                 the DAG is paused
    Trigger Rule                   upstream tasks do not satisfy the trigger rule yet
    Not In Retry Period            up_for_retry (or a reschedule) until next_retry_at
    Pool Slots Available           the pool is missing or has too few open slots
    Task Instance Slots Available  the DAG's max_active_tasks is reached
    Task Concurrency               max_active_tis_per_dag / per_dagrun is reached

Only waiting task instances have blockers (state none, scheduled, up_for_retry,
up_for_reschedule); any other state gives none, as in Airflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswind.dags.setup_teardown_graph import task_verdict
from crosswind.models import DagModel, DagRun, Pool, TaskInstance
from crosswind.scheduling.dag_cache import DagInfo, build_info
from crosswind.store import dags as dag_store

TI = TaskInstance
ACTIVE = ("queued", "running")
WAITING = (None, "scheduled", "up_for_retry", "up_for_reschedule")


@dataclass
class Facts:
    ti: Any
    run_state: str
    paused: bool
    info: DagInfo | None
    upstream_states: dict[str, str | None] = field(default_factory=dict)
    pool_slots: int | None = None  # None: the pool does not exist; -1 unlimited
    pool_used: int = 0
    active_runs: int = 0
    dag_active: int = 0
    task_active: int = 0
    run_task_active: int = 0


def facts(session: Session, ti: TaskInstance) -> Facts:
    run = session.scalars(select(DagRun).where(
        DagRun.dag_id == ti.dag_id, DagRun.run_id == ti.run_id)).one()
    data = dag_store.serialized_data(session, [ti.dag_id]).get(ti.dag_id)
    info = build_info(data) if data else None
    states = dict(session.execute(select(TI.task_id, TI.state).where(
        TI.dag_id == ti.dag_id, TI.run_id == ti.run_id, TI.map_index == -1)).all())

    def count(*where: Any) -> int:
        return session.scalar(select(func.count()).select_from(TI).where(
            TI.state.in_(ACTIVE), *where)) or 0

    return Facts(
        ti=ti, run_state=run.state, info=info,
        paused=bool(session.scalar(select(DagModel.is_paused).where(
            DagModel.dag_id == ti.dag_id))),
        upstream_states=states,
        pool_slots=session.scalar(select(Pool.slots).where(Pool.pool == ti.pool)),
        pool_used=session.scalar(select(func.coalesce(func.sum(TI.pool_slots), 0)).where(
            TI.state.in_(ACTIVE), TI.pool == ti.pool)) or 0,
        active_runs=session.scalar(select(func.count()).select_from(DagRun).where(
            DagRun.dag_id == ti.dag_id, DagRun.state == "running")) or 0,
        dag_active=count(TI.dag_id == ti.dag_id),
        task_active=count(TI.dag_id == ti.dag_id, TI.task_id == ti.task_id),
        run_task_active=count(TI.dag_id == ti.dag_id, TI.run_id == ti.run_id,
                              TI.task_id == ti.task_id),
    )


def blockers(f: Facts, now: datetime) -> list[tuple[str, str]]:
    """(name, reason) of every check the task instance fails now, sorted by name."""
    ti = f.ti
    if ti.state not in WAITING:
        return []
    out = [*_run_checks(f)]
    task = (f.info.tasks.get(ti.task_id) if f.info else None) or {}
    if ti.state is None and f.info is not None and task:
        out += _trigger_rule(f, task)
    if ti.state in ("up_for_retry", "up_for_reschedule") and ti.next_retry_at is not None \
            and ti.next_retry_at > now:
        out.append(("Not In Retry Period",
                    f"Waiting before the next try: it is due at {ti.next_retry_at.isoformat()} "
                    f"(now {now.isoformat()}); the scheduler retries it then on its own."))
    out += _slot_checks(f, task)
    return sorted(out)


def _run_checks(f: Facts) -> list[tuple[str, str]]:
    out = []
    if f.run_state != "running":
        reason = f"The task instance's DAG run is {f.run_state!r}, not 'running'."
        if f.run_state == "queued" and f.info and f.active_runs >= f.info.max_active_runs:
            reason += (f" The DAG already has {f.active_runs} running runs, its "
                       f"max_active_runs ({f.info.max_active_runs}).")
        out.append(("Dagrun Running", reason))
    if f.paused:
        out.append(("Dag Not Paused", f"The DAG {f.ti.dag_id!r} is paused."))
    return out


def _trigger_rule(f: Facts, task: dict[str, Any]) -> list[tuple[str, str]]:
    assert f.info is not None
    ups = [u for u in task.get("upstream_task_ids", []) if u in f.upstream_states]
    verdict = task_verdict(f.info.tasks, f.ti.task_id, f.upstream_states,
                           f.info.indirect_setups.get(f.ti.task_id))
    if not ups or verdict is not None:
        return []
    rule = task.get("trigger_rule") or "all_success"
    waiting = sorted(u for u in ups if f.upstream_states[u] not in
                     ("success", "failed", "skipped", "upstream_failed", "removed"))
    shown = ", ".join(f"{u}={f.upstream_states[u] or 'none'}" for u in sorted(ups))
    return [("Trigger Rule", f"The trigger rule {rule!r} is not met yet: upstream {shown}; "
             f"waiting for {', '.join(waiting) or 'upstream tasks'}.")]


def _slot_checks(f: Facts, task: dict[str, Any]) -> list[tuple[str, str]]:
    ti, out = f.ti, []
    if f.pool_slots is None:
        out.append(("Pool Slots Available",
                    f"The pool {ti.pool!r} does not exist: its tasks are not scheduled."))
    elif f.pool_slots >= 0 and f.pool_slots - f.pool_used < ti.pool_slots:
        out.append(("Pool Slots Available",
                    f"The pool {ti.pool!r} has {max(0, f.pool_slots - f.pool_used)} open "
                    f"slots of {f.pool_slots}; the task needs {ti.pool_slots}."))
    if f.info and f.dag_active >= f.info.max_active_tasks:
        out.append(("Task Instance Slots Available",
                    f"The DAG {ti.dag_id!r} runs {f.dag_active} task instances, its "
                    f"max_active_tasks ({f.info.max_active_tasks})."))
    per_dag, per_run = task.get("max_active_tis_per_dag"), task.get("max_active_tis_per_dagrun")
    if per_dag is not None and f.task_active >= per_dag:
        out.append(("Task Concurrency", f"{f.task_active} instances of the task run, its "
                    f"max_active_tis_per_dag ({per_dag})."))
    if per_run is not None and f.run_task_active >= per_run:
        out.append(("Task Concurrency", f"{f.run_task_active} instances of the task run in "
                    f"this DAG run, its max_active_tis_per_dagrun ({per_run})."))
    return out
