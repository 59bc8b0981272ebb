"""The Celery executor: the scheduler publishes each try to the Celery queue named by the
task's `queue`; `crosswind worker` processes run them with the engine's task runner.

Nothing comes back through Celery. This side learns from the database instead:
- open slots: tries sent by this scheduler that are still queued/running (same try
  number) count against `parallelism`; `sync()` drops the others;
- a try whose worker died while running it stops heartbeating and is failed/retried by
  the scheduler's zombie detection; one queued too long (`task_queued_timeout`: the broker
  restarted and lost the message, or the worker holding it vanished) is published again.
  A TI queued for a queue no worker consumes yet simply waits: a worker started later
  takes the message. Sending a try twice is harmless: the runner starts a try only with a
  guarded `UPDATE ... WHERE state='queued' AND try_number=N`, so the second delivery is a
  no-op (and the re-send is claimed with a guarded UPDATE so one scheduler does it);
- `kill()` needs no message: the try's own heartbeat finds its TI taken away and
  terminates the try; a try not started yet is refused by the same guard.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.execution.base import WorkItem
from crosswind.execution.celery_app import TASK_NAME, make_app
from crosswind.models import TaskInstance
from crosswind.scheduling import queueing
from crosswind.scheduling.dag_cache import DagCache
from crosswind.settings import Settings
from crosswind.states import TI_ACTIVE

log = logging.getLogger(__name__)
TI = TaskInstance
UNSENT_RETRY = 2.0  # seconds between attempts to publish what a broker outage refused


class CeleryExecutor:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.parallelism = settings.parallelism
        self.app: Any = None
        self.sent: dict[tuple[int, int], WorkItem] = {}
        self.unsent: list[WorkItem] = []
        self.cache = DagCache()
        self._retry_unsent_at = 0.0
        self._next_stale_scan = 0.0

    def start(self) -> None:
        if self.app is None:
            self.app = make_app(self.settings)

    def send(self, items: list[WorkItem]) -> None:
        for item in items:
            self.sent[item.key] = item
        self._publish(items)

    def _publish(self, items: list[WorkItem]) -> int:
        """Publish in order; what the broker refused waits in `unsent`."""
        self.start()
        done = 0
        try:
            with self.app.producer_or_acquire() as producer:
                for item in items:
                    self.app.send_task(TASK_NAME, args=[item.to_dict()], queue=item.queue,
                                       producer=producer)
                    done += 1
        except Exception as exc:  # noqa: BLE001 - broker down: keep the rest for later
            log.warning("broker refused %d tries (%s); retrying in %.0f s",
                        len(items) - done, exc, UNSENT_RETRY)
            self.unsent += items[done:]
            self._retry_unsent_at = time.monotonic() + UNSENT_RETRY
        return done

    def kill(self, keys: list[tuple[int, int]]) -> None:
        # The try's heartbeat terminates it once its TI changed; see the module docstring.
        log.debug("kill of %d tries left to their heartbeat", len(keys))

    def open_slots(self) -> int:
        return max(0, self.parallelism - len(self.sent))

    def running_keys(self) -> set[tuple[int, int]]:
        return set(self.sent)

    def filenos(self) -> list[int]:
        return []

    def sync(self) -> int:
        changed = 0
        if self.unsent and time.monotonic() >= self._retry_unsent_at:
            items, self.unsent = self.unsent, []
            changed += self._publish(items)
        if self.sent:
            changed += self._forget_finished()
        if time.monotonic() >= self._next_stale_scan:
            self._next_stale_scan = time.monotonic() + min(30.0,
                                                           self.settings.task_queued_timeout / 4)
            with self.db.write() as s:
                stale = self._claim_stale(s)
            if stale:
                log.warning("publishing again %d tries queued for more than %g s", len(stale),
                            self.settings.task_queued_timeout)
                for item in stale:
                    self.sent[item.key] = item
                changed += self._publish(stale)
        return changed

    def _forget_finished(self) -> int:
        """Drop sent tries that are no longer queued/running with that try number."""
        ids = [k[0] for k in self.sent]
        live: set[tuple[int, int]] = set()
        for i in range(0, len(ids), 1000):
            with self.db.read() as s:
                live |= set(s.execute(select(TI.id, TI.try_number).where(
                    TI.id.in_(ids[i:i + 1000]), TI.state.in_(TI_ACTIVE))).all())
        gone = [k for k in self.sent if k not in live]
        for key in gone:
            del self.sent[key]
        return len(gone)

    def _claim_stale(self, s: Session) -> list[WorkItem]:
        """TIs queued longer than task_queued_timeout, claimed by bumping queued_when."""
        now = utcnow()
        limit = now - timedelta(seconds=self.settings.task_queued_timeout)
        rows = s.execute(select(TI.id, TI.dag_id, TI.run_id, TI.task_id, TI.map_index,
                                TI.max_tries, TI.try_number, TI.queued_when,
                                TI.next_method, TI.next_kwargs)
                         .where(TI.state == "queued", TI.queued_when < limit)
                         .limit(1000)).all()
        claimed = [r for r in rows if s.execute(
            update(TI).where(TI.id == r.id, TI.state == "queued",
                             TI.try_number == r.try_number, TI.queued_when == r.queued_when)
            .values(queued_when=now).execution_options(synchronize_session=False)).rowcount]
        if not claimed:
            return []
        infos = self.cache.get_many(s, {r.dag_id for r in claimed})
        # Re-sends are rare: no run cache (an empty one) for them.
        runs = queueing._run_infos(s, {(r.dag_id, r.run_id) for r in claimed}, {})
        return [queueing._item(r, r.try_number, infos[r.dag_id], runs)
                for r in claimed if r.dag_id in infos]

    def stop(self, give_back: bool = False) -> None:
        """Tries already sent keep running on the workers and report themselves."""
        if self.app is not None:
            self.app.close()
            self.app = None
