"""Tries known lost on this host, handled at once instead of after the heartbeat timeout:

- `reap_dead_processes`: running TIs whose recorded pid on this host no longer exists
  (a kill -9'd task process whose fork server is gone too) → up_for_retry or failed per
  its tries. (A running TI without a pid yet is left to the heartbeat timeout: a fork
  server forking a large batch writes the pids only after the batch.)
- `recover_sent`: the tries a fork server had been sent when it died: those it never
  started (still queued) go back to scheduled with their try number given back; those
  whose process is gone are failed as above; those still running are orphans that finish,
  heartbeat and record themselves.

Only for tries run by this host's local executor: their processes live in our PID
namespace (a Celery worker's pids, even on a host of the same name, may not).
Every write is guarded (state and try number), so an outcome recorded meanwhile wins.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.execution.base import WorkItem
from crosswind.models import TaskInstance
from crosswind.scheduling.dag_cache import DagCache
from crosswind.scheduling.zombies import fail_try, give_back
from crosswind.states import TaskState

TI = TaskInstance


def process_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # exists, as another user
    return False


def _fail(session: Session, cache: DagCache, ti_id: int, n: int, pid: int | None,
          now: datetime) -> bool:
    what = f"Task process {pid} is gone"
    return fail_try(session, cache, ti_id=ti_id, try_number=n, now=now,
                    error=f"{what} (its fork server died) without reporting an outcome")


def reap_dead_processes(session: Session, cache: DagCache, now: datetime,
                        hostname: str | None = None) -> int:
    host = hostname or socket.gethostname()
    rows = session.execute(select(TI.id, TI.try_number, TI.pid).where(
        TI.state == TaskState.RUNNING, TI.hostname == host, TI.pid.is_not(None))).all()
    dead = [r for r in rows if process_gone(r.pid)]
    return sum(_fail(session, cache, r.id, r.try_number, r.pid, now) for r in dead)


def recover_sent(session: Session, cache: DagCache, items: list[WorkItem],
                 now: datetime) -> tuple[int, int]:
    """(given back, failed) of the tries a dead fork server had been sent."""
    if not items:
        return 0, 0
    wanted = {i.ti_id: i.try_number for i in items}
    rows = session.execute(select(TI.id, TI.state, TI.try_number, TI.pid).where(
        TI.id.in_(list(wanted)))).all()
    given = failed = 0
    for r in rows:
        if r.try_number != wanted[r.id]:
            continue
        if r.state == TaskState.QUEUED:
            given += give_back(session, r.id, r.try_number)
        elif r.state == TaskState.RUNNING and r.pid is not None and process_gone(r.pid):
            failed += _fail(session, cache, r.id, r.try_number, r.pid, now)
    return given, failed
