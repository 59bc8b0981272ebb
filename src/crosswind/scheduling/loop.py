"""The scheduler runner: stop flag, `jobs` heartbeat, and sleeping until the next deadline
or a wake-up (datagram, NOTIFY, or a task exit reported by the executor).

Polling every `scheduler_heartbeat_sec` is only the safety net. The loop is single-threaded
(standalone adds a DAG processor thread; the local executor's fork server is a separate
interpreter, started with fork + exec, so threads do not constrain it).
"""

from __future__ import annotations

import contextlib
import logging
import os
import select
import signal
import socket
import time
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.execution.base import Executor, make_executor
from crosswind.models import Job
from crosswind.scheduling.scheduler import Scheduler
from crosswind.scheduling.wakeup import Receiver
from crosswind.settings import Settings

log = logging.getLogger(__name__)
# After a task exit wakes us while other tries still run, wait this long for more exits
# so one tick handles the burst (a tick costs several ms; 16 tries ending close together
# would otherwise cost 16 ticks). Not applied to API wake-ups or when nothing else runs,
# so trigger -> start and last task -> run success stay immediate.
COALESCE_SEC = 0.004


class SchedulerRunner:
    def __init__(self, settings: Settings, db: Database, executor: Executor | None = None) -> None:
        self.settings = settings
        self.db = db
        self.executor = executor or make_executor(settings, db)
        self._stop_r, self._stop_w = os.pipe()
        os.set_blocking(self._stop_w, False)
        self.stopping = False  # first SIGINT/SIGTERM: no new tries, running ones may finish
        self.stop_now = False  # the second: stop them now (they are given back)
        self.job_id: int | None = None

    def request_stop(self, *_: object) -> None:
        """SIGINT/SIGTERM: the first stops gracefully, the second at once."""
        self.stop_now = self.stopping
        self.request_graceful_stop()

    def request_graceful_stop(self, *_: object) -> None:
        self.stopping = True
        with contextlib.suppress(OSError):
            os.write(self._stop_w, b"x")

    def request_stop_now(self, *_: object) -> None:
        self.stop_now = True
        self.request_graceful_stop()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    def _register(self) -> int:
        def insert(s: Session) -> int:
            job = Job(job_type="scheduler", state="running", hostname=socket.gethostname(),
                      pid=os.getpid())
            s.add(job)
            s.flush()
            return job.id
        with self.db.write() as s:
            return insert(s)

    def _heartbeat(self, now: datetime, state: str = "running") -> None:
        with self.db.write() as s:
            s.execute(update(Job).where(Job.id == self.job_id).values(
                latest_heartbeat=now, state=state, end_date=now if state != "running" else None))

    def run(self) -> None:
        self.executor.start()
        receiver = Receiver(self.settings.db_url)
        self.job_id = self._register()
        scheduler = Scheduler(self.settings, self.db, self.executor, self.job_id)
        beat = self.settings.scheduler_heartbeat_sec
        next_beat = 0.0
        log.info("scheduler started (job %s, pid %s)", self.job_id, os.getpid())
        try:
            while not self.stopping:
                self.executor.sync()
                now = utcnow()
                report = scheduler.tick(now)
                if now.timestamp() >= next_beat:
                    self._heartbeat(now)
                    next_beat = now.timestamp() + beat
                timeout = 0.0 if report.busy else beat
                if report.next_deadline is not None:
                    timeout = min(timeout, (report.next_deadline - utcnow()).total_seconds())
                timeout = max(0.0, min(timeout, next_beat - utcnow().timestamp()))
                self._wait(receiver, timeout)
            self._drain(next_beat)
        finally:
            log.info("scheduler stopping")
            self.executor.stop(give_back=True)  # what still runs is scheduled again
            receiver.close()
            self._heartbeat(utcnow(), state="success")


    def _drain(self, next_beat: float) -> None:
        """Graceful shutdown: start nothing new; let the tries of our local executor finish
        for up to shutdown_grace_seconds (a second signal ends the wait). Celery tries are
        not ours to wait for: they run on, on their workers."""
        if self.settings.executor != "local" or not self.executor.running_keys():
            return
        grace = self.settings.shutdown_grace_seconds
        deadline = time.monotonic() + grace
        if grace > 0 and not self.stop_now:
            log.warning("shutting down: letting %d running tries finish (up to %g s; "
                        "Ctrl-C again to stop them now, they will run again later)",
                        len(self.executor.running_keys()), grace)
        while (not self.stop_now and self.executor.running_keys()
               and time.monotonic() < deadline):
            self.executor.sync()
            if time.time() >= next_beat:  # still alive: our queued tries are not orphans
                self._heartbeat(utcnow())
                next_beat = time.time() + self.settings.scheduler_heartbeat_sec
            ready: list[int] = []
            with contextlib.suppress(InterruptedError):
                ready, _, _ = select.select([self._stop_r, *self.executor.filenos()], [], [],
                                            max(0.0, min(1.0, deadline - time.monotonic())))
            if self._stop_r in ready:
                os.read(self._stop_r, 64)

    def _wait(self, receiver: Receiver, timeout: float) -> None:
        """Sleep until the timeout or a wake-up; then drain every pending wake-up."""
        exec_fds = self.executor.filenos()
        fds = [self._stop_r, *receiver.filenos(), *exec_fds]
        ready: list[int] = []
        with contextlib.suppress(InterruptedError):
            ready, _, _ = select.select(fds, [], [], timeout)
        if any(fd in exec_fds for fd in ready) and not self.stopping:
            self.executor.sync()
            if self.executor.running_keys():
                with contextlib.suppress(InterruptedError):
                    select.select([self._stop_r], [], [], COALESCE_SEC)
        receiver.drain()


def make_runner(settings: Settings, db: Database | None = None) -> SchedulerRunner:
    return SchedulerRunner(settings, db or Database(settings.db_url, pool_size=5))


def run_scheduler(settings: Settings, db: Database | None = None) -> None:
    """Entry used by `crosswind scheduler`."""
    runner = make_runner(settings, db)
    runner.install_signal_handlers()
    runner.run()
