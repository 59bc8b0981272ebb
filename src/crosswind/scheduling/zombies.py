"""Crash recovery: TIs whose process stopped heartbeating, and TIs stuck `queued`
because the scheduler/executor that queued them died before the try started.

- running with last_heartbeat_at older than `task_heartbeat_timeout` → up_for_retry or
  failed per its tries (a kill -9'd task process, a lost machine);
- queued by a job that no longer heartbeats → scheduled again with its try_number given
  back (the try never started: no task_tries row), so nothing is lost or run twice; the
  task runner's guard `state='queued' AND try_number=N` stops a late starter.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from crosswind.models import DagRun, Job, TaskInstance, TaskTry
from crosswind.scheduling.dag_cache import DagCache
from crosswind.scheduling.retries import failure_state, next_retry_at
from crosswind.states import TaskState
from crosswind.store import transitions

TI = TaskInstance


def fail_try(
    session: Session,
    cache: DagCache,
    *,
    ti_id: int,
    try_number: int,
    now: datetime,
    error: str,
    from_states: tuple[str, ...] = (TaskState.RUNNING,),
) -> bool:
    """Fail one try that cannot report itself; guarded, so a try that did report wins."""
    row = session.execute(
        select(TI.dag_id, TI.run_id, TI.task_id, TI.max_tries, TI.start_date, DagRun.logical_date)
        .join(DagRun, (DagRun.dag_id == TI.dag_id) & (DagRun.run_id == TI.run_id))
        .where(TI.id == ti_id)
    ).first()
    if row is None:
        return False
    state = failure_state(try_number, row.max_tries)
    retry_at = None
    if state == TaskState.UP_FOR_RETRY:
        task = cache.get_many(session, {row.dag_id}).get(row.dag_id)
        tdict = (task.tasks.get(row.task_id) if task else None) or {"task_id": row.task_id}
        retry_at = next_retry_at(
            tdict, dag_id=row.dag_id, logical_date=row.logical_date, try_number=try_number, end=now
        )
    duration = (now - row.start_date).total_seconds() if row.start_date else None
    done = transitions.move_ti(session, ti_id, try_number, from_states, state, end_date=now,
                               duration=duration, next_retry_at=retry_at,
                               next_method=None, next_kwargs=None)  # a retry starts afresh
    if done:
        session.execute(
            update(TaskTry)
            .where(
                TaskTry.dag_id == row.dag_id,
                TaskTry.run_id == row.run_id,
                TaskTry.task_id == row.task_id,
                TaskTry.try_number == try_number,
            )
            .values(state=TaskState.FAILED.value, end_date=now, error=error)
            .execution_options(synchronize_session=False)
        )
    return bool(done)


def reap_zombies(session: Session, cache: DagCache, now: datetime, timeout: float) -> int:
    limit = now - timedelta(seconds=timeout)
    rows = session.execute(
        select(TI.id, TI.try_number).where(
            TI.state == TaskState.RUNNING,
            or_(TI.last_heartbeat_at < limit, TI.last_heartbeat_at.is_(None)),
        )
    ).all()
    return sum(
        fail_try(
            session,
            cache,
            ti_id=i,
            try_number=n,
            now=now,
            error=f"Detected as zombie: no heartbeat for {timeout:g} s",
        )
        for i, n in rows
    )


def requeue_orphans(session: Session, now: datetime, timeout: float, my_job_id: int | None) -> int:
    """queued TIs of dead jobs → scheduled, try_number - 1."""
    limit = now - timedelta(seconds=timeout)
    alive = select(Job.id).where(Job.state == "running", Job.latest_heartbeat >= limit)
    rows = session.execute(
        select(TI.id, TI.try_number).where(
            TI.state == TaskState.QUEUED,
            TI.queued_when < limit,
            or_(TI.queued_by_job_id.is_(None), TI.queued_by_job_id.not_in(alive)),
            or_(TI.queued_by_job_id.is_(None), TI.queued_by_job_id != (my_job_id or -1)),
        )
    ).all()
    return sum(give_back(session, ti_id, n) for ti_id, n in rows)


def give_back(session: Session, ti_id: int, try_number: int,
              from_states: tuple[str, ...] = (TaskState.QUEUED,)) -> bool:
    """A try that never started (or was stopped without using a retry) → scheduled with
    its try_number given back, so the next queueing hands out the same number again."""
    return transitions.move_ti(session, ti_id, try_number, from_states, TaskState.SCHEDULED,
                               try_number=max(0, try_number - 1), queued_when=None)
