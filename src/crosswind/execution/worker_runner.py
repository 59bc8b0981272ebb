"""Runs Celery-delivered tries on the engine's fork server, from many threads at once.

`crosswind worker` spawns the fork server before Celery starts any thread; each Celery
task (a thread of Celery's `threads` pool) calls `ForkServerClient.run(item)`, which asks
the fork server to fork the try and blocks until the try process exits. So a worker's
tries are the very same processes as the local executor's (task_runner.run_forked: same
templating, logs, XCom, masking, timeouts), and the fork server does their database
bookkeeping as under the local executor: guarded queued → running (a duplicate delivery
is refused there), heartbeats, outcomes, and failing a try whose process died unreported.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import threading
from typing import Any

from crosswind.execution import forkserver
from crosswind.execution.base import WorkItem
from crosswind.settings import Settings

log = logging.getLogger(__name__)


class ForkServerClient:
    def __init__(self, settings: Settings) -> None:
        self.server = forkserver.spawn(settings, fresh=False)  # before any thread exists
        self._lock = threading.Lock()
        self._waiting: dict[tuple[int, int], tuple[threading.Event, dict[str, Any]]] = {}
        self._closed = False
        self._reader = threading.Thread(target=self._read_events, daemon=True,
                                        name="forkserver-events")

    def start(self) -> None:
        self._reader.start()

    def run(self, workitem: dict[str, Any]) -> None:
        """Run one try and wait for its process to exit (the Celery task body)."""
        item = WorkItem.from_dict(workitem)
        done = threading.Event()
        result: dict[str, Any] = {}
        line = json.dumps({"op": "run", "item": item.to_dict()}).encode() + b"\n"
        with self._lock:
            if self._closed:
                raise RuntimeError("fork server is gone; the message goes back to the broker")
            if item.key in self._waiting:
                return  # a duplicate delivery of a try running here: nothing to do
            self._waiting[item.key] = (done, result)
            os.write(self.server.cmd_fd, line)  # blocking fd; the server reads eagerly
        done.wait()
        if result.get("code"):
            log.warning("try %s of %s.%s: process exit %s (%s); the fork server recorded it",
                        item.try_number, item.dag_id, item.task_id, result.get("code"),
                        result.get("reason"))

    def _read_events(self) -> None:
        buf = b""
        fd = self.server.evt_fd
        while True:
            select.select([fd], [], [])
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                break
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for raw in lines:
                if raw:
                    self._deliver(json.loads(raw))
        with self._lock:
            closing, self._closed = self._closed, True
            waiting, self._waiting = self._waiting, {}
        for done, result in waiting.values():
            result.update(code=-9, reason="fork server exited")
            done.set()
        if not closing:
            log.error("fork server exited; stopping the worker")
            os.kill(os.getpid(), signal.SIGTERM)  # Celery's warm shutdown

    def _deliver(self, ev: dict[str, Any]) -> None:
        with self._lock:
            waiter = self._waiting.pop((ev["ti"], ev["try"]), None)
        if waiter is not None:
            waiter[1].update(ev)
            waiter[0].set()

    def close(self) -> None:
        """Stop forking; running tries finish and report, then the fork server exits."""
        with self._lock:
            self._closed = True
            os.close(self.server.cmd_fd)
