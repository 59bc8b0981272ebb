"""The triggerer inside `crosswind standalone`, started on demand like the fork server.

A thread of the scheduler process looks once a second (one indexed read) whether any
trigger exists; if so and no triggerer of ours runs, it starts `crosswind triggerer
--idle-exit N` as a fresh interpreter (fork + exec: safe from a thread). The triggerer
exits by itself after N seconds with nothing to run, so an idle standalone stays two
processes. One that dies (kill -9, a crash) is started again with back-off; the new one
takes over the dead one's triggers at once (claims.reap_local).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from sqlalchemy import select

from crosswind.db.engine import Database
from crosswind.models import Trigger

log = logging.getLogger("crosswind.standalone")
POLL_SEC = 1.0
IDLE_EXIT_SEC = 60.0
MAX_BACKOFF = 30.0
_ANY = select(Trigger.id).limit(1)


class TriggererLauncher(threading.Thread):
    def __init__(self, settings: Any, stop: threading.Event) -> None:
        super().__init__(name="triggerer-launcher", daemon=True)
        self.settings, self.stop = settings, stop
        self.proc: subprocess.Popen[bytes] | None = None
        self.backoff, self.not_before = 0.5, 0.0

    def run(self) -> None:
        db = Database(self.settings.db_url, pool_size=1)
        try:
            while not self.stop.wait(POLL_SEC):
                self._reap()
                if self.proc is None and time.monotonic() >= self.not_before:
                    try:
                        with db.read() as s:
                            wanted = s.scalar(_ANY) is not None
                    except Exception:  # try again next second
                        log.warning("triggerer launcher: database read failed", exc_info=True)
                        continue
                    if wanted:
                        self._start()
        finally:
            self._stop_child()
            db.dispose()

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crosswind", "triggerer", "--quiet", "--idle-exit",
             str(IDLE_EXIT_SEC)], env=os.environ.copy())
        self.started = time.monotonic()

    def _reap(self) -> None:
        if self.proc is None or self.proc.poll() is None:
            return
        code, self.proc = self.proc.returncode, None
        if code == 0:  # idle exit
            self.backoff = 0.5
            return
        log.error("triggerer exited (code %s); starting it again in %.1f s", code, self.backoff)
        self.not_before = time.monotonic() + self.backoff
        ran_long = time.monotonic() - self.started > 60
        self.backoff = 0.5 if ran_long else min(self.backoff * 2, MAX_BACKOFF)

    def _stop_child(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
