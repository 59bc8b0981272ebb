"""The local executor: task tries run as children of a warm fork server (forkserver.py),
at most `settings.parallelism` at a time. The fork server is started with the first try
and stopped after `settings.fork_server_idle_timeout` without one (an idle engine then
holds no fork server; the next try starts a fresh one, ~0.3 s).

The fork server records every outcome in the database (including tries that died without
reporting); this side only tracks which tries still occupy a slot. If the fork server
dies (kill -9, OOM killer), what it had been sent is recovered at once
(`lost_tries.recover_sent`: never started → scheduled again without using a try; process
gone → retried or failed per its retries; still running → an orphan that records its own
outcome), and the next try starts a new fork server.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import time

from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.execution import forkserver
from crosswind.execution.base import WorkItem
from crosswind.scheduling import lost_tries
from crosswind.scheduling.dag_cache import DagCache
from crosswind.settings import Settings

log = logging.getLogger(__name__)


class LocalExecutor:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.parallelism = settings.parallelism
        self.running: dict[tuple[int, int], WorkItem] = {}
        self.server: forkserver.ForkServerHandle | None = None
        self._buf = b""
        self._pending: list[dict] = []
        self.stopping = False
        self.last_busy = 0.0
        self.cache = DagCache()
        self.recovered = 0  # tries given back or failed after fork server deaths

    def start(self) -> None:
        """Nothing to do yet: the fork server is started with the first try."""

    def _spawn(self) -> None:
        self.server = forkserver.spawn(self.settings)
        self.last_busy = time.monotonic()

    def send(self, items: list[WorkItem]) -> None:
        if self.server is None:
            self._spawn()
        payload = b"".join(json.dumps({"op": "run", "item": i.to_dict()}).encode() + b"\n"
                           for i in items)
        for item in items:
            self.running[item.key] = item
        self._write(payload)

    def kill(self, keys: list[tuple[int, int]]) -> None:
        mine = [list(k) for k in keys if tuple(k) in self.running]
        if mine:
            self._write(json.dumps({"op": "kill", "keys": mine}).encode() + b"\n")

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self.server is None:
                return  # it died meanwhile: what was sent is recovered, the rest re-queued
            try:
                n = os.write(self.server.cmd_fd, view)
            except BrokenPipeError:
                self._server_died()
                return
            view = view[n:]
            if view:
                self._read_events()  # never block both ways on full pipes

    def _server_died(self) -> None:
        """Recover what the dead fork server had been sent; the next send() starts a new
        one. Exits it reported before dying are handled first."""
        assert self.server is not None
        pid = self.server.pid
        for fd in (self.server.cmd_fd, self.server.evt_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)  # it closed its pipes by dying: reaped at once
        self.server, self._buf = None, b""
        for ev in self._pending:
            self.running.pop((ev["ti"], ev["try"]), None)
        lost, self.running = list(self.running.values()), {}
        with self.db.write() as s:
            given, failed = lost_tries.recover_sent(s, self.cache, lost, utcnow())
        self.recovered += given + failed
        log.error("fork server %s died; %d tries not started were scheduled again, %d whose "
                  "process is gone failed (retried per their retries), %d still running "
                  "record themselves", pid, given, failed, len(lost) - given - failed)

    def open_slots(self) -> int:
        return max(0, self.parallelism - len(self.running))

    def running_keys(self) -> set[tuple[int, int]]:
        return set(self.running)

    def filenos(self) -> list[int]:
        return [self.server.evt_fd] if self.server else []

    def _read_events(self) -> None:
        if self.server is None:
            return
        while True:
            try:
                chunk = os.read(self.server.evt_fd, 1 << 16)
            except BlockingIOError:
                break
            if not chunk:
                if self.stopping:
                    break  # we asked it to stop
                *lines, _ = self._buf.split(b"\n")
                self._pending += [json.loads(line) for line in lines if line]
                self._server_died()
                return
            self._buf += chunk
        *lines, self._buf = self._buf.split(b"\n")
        self._pending += [json.loads(line) for line in lines if line]

    def sync(self) -> int:
        """Forget finished tries (the fork server recorded their outcome); returns how many.
        Stops the fork server once it has been idle for fork_server_idle_timeout (we are
        its only sender, so no command can be in flight meanwhile)."""
        done = self._forget_finished()
        if self.running:
            self.last_busy = time.monotonic()
        elif self.server and (time.monotonic() - self.last_busy
                              > self.settings.fork_server_idle_timeout):
            self.stop()
        return done

    def _forget_finished(self) -> int:
        self._read_events()
        events, self._pending = self._pending, []
        for ev in events:
            self.running.pop((ev["ti"], ev["try"]), None)
        return len(events)

    def stop(self, timeout: float = 10.0, give_back: bool = False) -> None:
        """Terminate running tries and the fork server. The tries fail and retry later, or
        with `give_back` (a shutdown) are scheduled again without using a retry."""
        if self.server is None:
            return
        self.stopping = True
        stop = {"op": "stop", "reason": "shutdown" if give_back else "killed"}
        with contextlib.suppress(OSError):
            os.write(self.server.cmd_fd, json.dumps(stop).encode() + b"\n")
        with contextlib.suppress(OSError):
            os.close(self.server.cmd_fd)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self.server.pid, os.WNOHANG)
            if pid:
                break
            self._forget_finished()
            time.sleep(0.02)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.server.pid, signal.SIGKILL)
            os.waitpid(self.server.pid, 0)
        self._forget_finished()
        with contextlib.suppress(OSError):
            os.close(self.server.evt_fd)
        self.server, self.stopping, self._buf = None, False, b""
        if give_back and self.running:  # sent but never started: still queued
            lost, self.running = list(self.running.values()), {}
            with self.db.write() as s:
                lost_tries.recover_sent(s, self.cache, lost, utcnow())
