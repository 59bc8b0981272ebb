"""`crosswind triggerer`: every trigger of this process on one asyncio loop.

The loop never touches the database itself: a single worker thread does each sync, so a
slow commit never delays a timer. A sync runs every POLL_SEC (a read: anything to claim,
which triggers are still ours) and writes only when there is something to write: fired
events, claims, or the heartbeat every min(5 s, threshold / 3). It runs at once when a
trigger fires, so its task resumes within milliseconds (the scheduler is woken by
datagram / NOTIFY). Each trigger is an asyncio task; a waiting trigger costs a few KiB and
no process, executor slot or pool slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.scheduling import deferral, wakeup
from crosswind.settings import Settings
from crosswind.triggerer import claims

log = logging.getLogger("crosswind.triggerer")
POLL_SEC = 1.0


@dataclass
class _Pending:
    events: list[tuple[int, Any]] = field(default_factory=list)
    failures: list[tuple[int, str, list[str]]] = field(default_factory=list)


class TriggererRunner:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings, self.db = settings, db
        self.capacity = settings.triggerer_capacity
        self.job_id: int | None = None
        self.running: dict[int, asyncio.Task[None]] = {}
        self.fired: set[int] = set()  # fired or failed, not yet recorded
        self.pending = _Pending()
        self.notify = wakeup.notifier(settings.db_url, self.db.engine)
        self.stopping = threading.Event()
        self.idle_exit: float | None = None  # stop after this long with nothing to run
        self._busy_at = time.monotonic()
        self._next_beat = 0.0  # heartbeat (a write) every min(5 s, threshold / 3)

    # -- set-up ----------------------------------------------------------------
    def _import_paths(self) -> None:
        """Trigger classes are imported by class path: from the DAGs and plugins folders
        (as Airflow puts them on sys.path) and `airflow.*` through the shim."""
        from crosswind.dags import airflow_shim

        airflow_shim.install()
        plugins = getattr(self.settings, "plugins_path", None) or self.settings.home / "plugins"
        for folder in (str(self.settings.dags_path), str(plugins)):
            if folder not in sys.path:
                sys.path.insert(0, folder)

    def run(self) -> None:
        self._import_paths()
        asyncio.run(self._main())

    def request_stop(self, *_: object) -> None:
        self.stopping.set()
        loop, wake = getattr(self, "_loop", None), getattr(self, "_wake", None)
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)

    # -- the loop ----------------------------------------------------------------
    async def _main(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="triggerer-db")
        self.job_id = await self._loop.run_in_executor(pool, self._register)
        log.info("triggerer started (job %s, pid %s, capacity %s)", self.job_id, os.getpid(),
                 self.capacity)
        try:
            while not self.stopping.is_set():
                batch, self.pending = self.pending, _Pending()
                known = frozenset((*self.running, *self.fired))
                owned = await self._loop.run_in_executor(pool, self._sync, batch, known)
                if owned is not None:
                    self._reconcile(owned)
                self._wake.clear()
                if self.running or self.fired or owned:
                    self._busy_at = time.monotonic()
                elif self.idle_exit and time.monotonic() - self._busy_at > self.idle_exit:
                    log.info("no trigger for %.0f s; exiting", self.idle_exit)
                    break
                if self.pending.events or self.pending.failures:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SEC)
        finally:
            for task in self.running.values():
                task.cancel()
            await asyncio.gather(*self.running.values(), return_exceptions=True)
            # Release our claims at once: a restarted or other triggerer need not wait
            # for our heartbeat to expire.
            await self._loop.run_in_executor(pool, self._release)
            pool.shutdown()
            log.info("triggerer stopped")

    def _sync(self, batch: _Pending, known: frozenset[int]) -> list[claims.Assigned] | None:
        """One transaction: heartbeat, fired events and failures, claims; owned triggers
        (None: nothing to claim, the owned set is re-read with the next write). Runs in the
        worker thread; the loop hands it `batch` and the triggers it runs, and waits."""
        events, failures = batch.events, batch.failures
        now = utcnow()
        threshold = self.settings.triggerer_health_check_threshold
        beat_due = time.monotonic() >= self._next_beat
        if not (events or failures or beat_due):
            # Idle or just waiting: one cheap read, and a write only when there is work to
            # claim. Triggers whose task stopped waiting (cleared, marked) are cancelled
            # with the next heartbeat's re-read of what we own, not on every poll: reading
            # 10,000 owned ids every second was most of the CPU of a waiting triggerer.
            try:
                with self.db.read() as s:
                    free = claims.claimable(s, now, threshold)
            except Exception:
                log.exception("triggerer read failed; retrying")
                free = True
            if not free:
                return None

        def write(c: Any) -> tuple[list, list[claims.Assigned]]:
            claims.heartbeat(c, self.job_id or 0, now)
            moved = claims.submit(c, events, now)
            for trigger_id, error, tb in failures:
                claims.fail(c, trigger_id, error, tb)
            if beat_due:  # rows of triggers nothing waits on any more (fired, cleared)
                deferral.delete_unused_triggers(c)
            claims.claim(c, self.job_id or 0, now, threshold, self.capacity)
            return moved, claims.assigned(c, self.job_id or 0, known)

        try:
            with self.db.write_connection() as c:
                moved, owned = write(c)
        except Exception:
            log.exception("triggerer sync failed; retrying")
            self._loop.call_soon_threadsafe(self._requeue, batch)
            return [claims.Assigned(i, "", {}, "") for i in known]
        if beat_due:
            self._next_beat = time.monotonic() + min(5.0, threshold / 3)
        self._loop.call_soon_threadsafe(self.fired.difference_update,
                                        [t for t, *_ in (*events, *failures)])
        if events or failures:
            self.notify()  # the resumed TIs are `scheduled`: the scheduler queues them now
            log.info("%d trigger event(s) submitted, %d TI(s) resumed", len(events), len(moved))
        return owned

    def _register(self) -> int:
        with self.db.write_connection() as c:
            job_id = claims.register(c, utcnow())
            if claims.reap_local(c, job_id, utcnow()):
                log.info("took over the triggers of a dead triggerer on this host")
            return job_id

    def _requeue(self, batch: _Pending) -> None:
        self.pending.events[:0], self.pending.failures[:0] = batch.events, batch.failures

    def _release(self) -> None:
        def write(c: Any) -> None:
            c.execute(claims.TRG.update().where(claims.TRG.c.triggerer_id == self.job_id)
                      .values(triggerer_id=None))
            claims.heartbeat(c, self.job_id or 0, utcnow(), state="success")
        with contextlib.suppress(Exception), self.db.write_connection() as c:
            write(c)

    def _reconcile(self, owned: list[claims.Assigned]) -> None:
        """Start triggers newly ours; cancel those no longer ours or waited on."""
        wanted = {a.id: a for a in owned}
        for trigger_id in [t for t in self.running if t not in wanted]:
            self.running.pop(trigger_id).cancel()
        for a in owned:  # not those whose event waits for the next sync to record it
            if a.id not in self.running and a.id not in self.fired and a.classpath:
                self.running[a.id] = self._loop.create_task(self._run(a), name=f"trigger-{a.id}")

    async def _run(self, a: claims.Assigned) -> None:
        from crosswind.triggers import serde

        trigger = None
        try:
            trigger = serde.import_string(a.classpath)(**serde.decode(a.kwargs))
            trigger.trigger_id = a.id
            async for event in trigger.run():
                self.fired.add(a.id)
                self.pending.events.append((a.id, event))
                break  # one event resumes the task; the trigger is done
            else:
                self.fired.add(a.id)
                self.pending.failures.append((a.id, "Trigger exited without an event", []))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - the task fails with this text
            log.warning("trigger %s (%s) failed: %s", a.id, a.label, exc)
            tb = traceback.format_exception(exc)
            self.fired.add(a.id)
            self.pending.failures.append((a.id, "Trigger failure", tb))
        finally:
            self.running.pop(a.id, None)
            self._wake.set()
            if trigger is not None:
                with contextlib.suppress(Exception):
                    await trigger.cleanup()


def run_triggerer(settings: Settings, db: Database | None = None,
                  install_signals: bool = True, idle_exit: float | None = None) -> None:
    runner = TriggererRunner(settings, db or Database(settings.db_url, pool_size=2))
    runner.idle_exit = idle_exit
    if install_signals:
        signal.signal(signal.SIGTERM, runner.request_stop)
        signal.signal(signal.SIGINT, runner.request_stop)
    runner.run()
