"""The scheduler: one `tick(now)` does one full pass and says what it did.

Order of a tick (each step its own short write transaction; side effects — sending to
the executor, killing tries — only after the commit):
  1. next_dagrun* for newly parsed DAGs, scheduled runs that are due
  2. queued runs → running (max_active_runs, unpaused)
  3. TI decisions in running runs, restarting TIs, dagrun_timeout, run states
  4. every `zombie_interval`: dead task processes (no heartbeat, or with the local
     executor a pid on this host that is gone) and orphaned queued TIs
  5. scheduled TIs → queued within pools / max_active_tasks / parallelism → executor
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from crosswind import plugins
from crosswind.db.engine import Database
from crosswind.execution.base import Executor, WorkItem
from crosswind.execution.dag_callbacks import DagCallbackLauncher
from crosswind.scheduling import (
    dag_runs,
    dataset_runs,
    deferral,
    lost_tries,
    queueing,
    run_progress,
    zombies,
)
from crosswind.scheduling.dag_cache import DagCache
from crosswind.settings import Settings


@dataclass
class TickReport:
    created_runs: int = 0
    started_runs: int = 0
    ti_changes: int = 0
    finished_runs: list[tuple[str, str, str]] = field(default_factory=list)
    zombies: int = 0
    requeued: int = 0
    queued: list[WorkItem] = field(default_factory=list)
    killed: list[tuple[int, int]] = field(default_factory=list)
    next_deadline: datetime | None = None
    restarted: int = 0  # restarting -> none: decided only by the next tick
    more_candidates: bool = False  # queueing saw a full candidate page

    @property
    def busy(self) -> bool:
        """True when another tick right away may do more. Not for TI decisions or queued
        tries alone: a tick decides in topological order and queues what it decided in
        the same transaction, so what it left is blocked by a limit until a try ends
        (whose exit wakes the scheduler anyway). Re-ticking then would be pure cost."""
        return bool(
            self.created_runs
            or self.started_runs
            or self.finished_runs
            or self.restarted
            or self.more_candidates
            or self.requeued
            or self.zombies
        )


class Scheduler:
    def __init__(
        self, settings: Settings, db: Database, executor: Executor | None, job_id: int | None = None
    ) -> None:
        self.settings = settings
        self.db = db
        plugins.configure(settings.plugins_path)  # custom timetables are rebuilt here
        self.executor = executor
        self.job_id = job_id
        self.cache = DagCache()
        self._parsed_watermark: datetime | None = None
        self._next_zombie_check: datetime | None = None
        self.zombie_interval = min(5.0, settings.task_heartbeat_timeout / 3)
        # DAG-level callbacks run in processes of their own (execution/dag_callbacks.py).
        self.dag_callbacks = DagCallbackLauncher(settings) if executor is not None else None

    def _open_slots(self) -> int:
        if self.executor is None:
            return self.settings.parallelism
        return self.executor.open_slots()

    def tick(self, now: datetime) -> TickReport:
        r = TickReport()
        self.cache.new_tick()
        if self._next_zombie_check is None or now >= self._next_zombie_check:
            self._check_zombies(now, r)
        # One write transaction for the whole pass: on SQLite every BEGIN IMMEDIATE/COMMIT
        # costs more than the queries themselves, and the lock is held for milliseconds.
        with self.db.write() as s:
            p = self._pass(s, now, r)
        for dag_id, run_id, _state in r.finished_runs:
            self.cache.runs.pop((dag_id, run_id), None)
        if self.dag_callbacks is not None:
            self.dag_callbacks.launch(r.finished_runs, self._dag_data)
        if self.executor is not None:
            if r.killed:
                self.executor.kill(r.killed)
            if r.queued:
                self.executor.send(r.queued)
        # Zombie checks ride on ticks (at least every scheduler_heartbeat_sec), not deadlines.
        r.next_deadline = _earliest(p.deadline, r.next_deadline)
        return r

    def _pass(self, s: Session, now: datetime, r: TickReport) -> run_progress.Progress:
        catchup = self.settings.catchup_by_default
        self._parsed_watermark = dag_runs.refresh_next(
            s, self.cache, now, catchup, self._parsed_watermark)
        r.created_runs = dag_runs.create_scheduled_runs(s, self.cache, now, catchup)
        r.created_runs += dataset_runs.create_dataset_runs(s, self.cache, now)
        r.started_runs = dag_runs.start_queued_runs(s, self.cache, now)
        # Deferrals past their timeout resume to fail (before the TI decisions below).
        expired, next_timeout = deferral.expire_deferrals(s, now)
        p = run_progress.process_running_runs(s, self.cache, now)
        p.changed += expired
        p.wake_at(next_timeout)
        r.ti_changes, r.finished_runs, r.killed = p.changed, p.finished_runs, p.kills
        r.restarted = p.restarted
        r.queued = queueing.queue_tis(s, self.cache, now, self._open_slots(), self.job_id)
        r.more_candidates = self.cache.more_candidates
        r.next_deadline = dag_runs.next_creation_deadline(s, now)
        return p

    def _dag_data(self, dag_id: str) -> dict | None:
        info = self.cache.known(dag_id)
        return info.data if info is not None else None

    def _check_zombies(self, now: datetime, r: TickReport) -> None:
        timeout = self.settings.task_heartbeat_timeout
        with self.db.write() as s:
            r.zombies = zombies.reap_zombies(s, self.cache, now, timeout)
            if self.settings.executor == "local" and self.executor is not None:
                # Our tries' processes are in our PID namespace: a dead one is known dead
                # now, not after the heartbeat timeout (kill -9 of a fork server and a try).
                r.zombies += lost_tries.reap_dead_processes(s, self.cache, now)
        with self.db.write() as s:
            r.requeued = zombies.requeue_orphans(s, now, timeout, self.job_id)
        self._next_zombie_check = now + timedelta(seconds=self.zombie_interval)


def _earliest(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return min(present) if present else None
