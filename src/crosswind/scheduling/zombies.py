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

TI = TaskInstance


def fail_try(
    session: Session,
    cache: DagCache,
    *,
    ti_id: int,
    try_number: int,
    now: datetime,
    error: str,
    from_states: tuple[str, ...] = ("running",),
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
    if state == "up_for_retry":
        task = cache.get_many(session, {row.dag_id}).get(row.dag_id)
        tdict = (task.tasks.get(row.task_id) if task else None) or {"task_id": row.task_id}
        retry_at = next_retry_at(
            tdict, dag_id=row.dag_id, logical_date=row.logical_date, try_number=try_number, end=now
        )
    duration = (now - row.start_date).total_seconds() if row.start_date else None
    done = session.execute(
        update(TI)
        .where(TI.id == ti_id, TI.try_number == try_number, TI.state.in_(from_states))
        .values(state=state, end_date=now, duration=duration, next_retry_at=retry_at,
                next_method=None, next_kwargs=None)  # a retry starts afresh
        .execution_options(synchronize_session=False)
    ).rowcount
    if done:
        session.execute(
            update(TaskTry)
            .where(
                TaskTry.dag_id == row.dag_id,
                TaskTry.run_id == row.run_id,
                TaskTry.task_id == row.task_id,
                TaskTry.try_number == try_number,
            )
            .values(state="failed", end_date=now, error=error)
            .execution_options(synchronize_session=False)
        )
    return bool(done)


def reap_zombies(session: Session, cache: DagCache, now: datetime, timeout: float) -> int:
    limit = now - timedelta(seconds=timeout)
    rows = session.execute(
        select(TI.id, TI.try_number).where(
            TI.state == "running", or_(TI.last_heartbeat_at < limit, TI.last_heartbeat_at.is_(None))
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
            TI.state == "queued",
            TI.queued_when < limit,
            or_(TI.queued_by_job_id.is_(None), TI.queued_by_job_id.not_in(alive)),
            or_(TI.queued_by_job_id.is_(None), TI.queued_by_job_id != (my_job_id or -1)),
        )
    ).all()
    count = 0
    for ti_id, n in rows:
        count += session.execute(
            update(TI)
            .where(TI.id == ti_id, TI.state == "queued", TI.try_number == n)
            .values(state="scheduled", try_number=max(0, n - 1), queued_when=None)
            .execution_options(synchronize_session=False)
        ).rowcount
    return count
