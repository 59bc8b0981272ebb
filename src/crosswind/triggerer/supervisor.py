"""The triggerer inside `crosswind standalone`: a small supervisor process that forks the
triggerer and forks a new one when it dies (kill -9, a crash), with back-off, so deferred
tasks keep resuming without a restart of standalone. Both are forked from standalone
after its common imports, so they share those pages; idle, the triggerer wakes once a
second for one short read/heartbeat transaction.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import time
from typing import Any

log = logging.getLogger("crosswind.standalone")
MAX_BACKOFF = 30.0


def _child(settings: Any) -> None:
    code = 0
    try:
        from crosswind.triggerer.runner import run_triggerer

        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        run_triggerer(settings)
    except BaseException:  # logged; the supervisor restarts us
        log.exception("triggerer crashed")
        code = 1
    finally:
        os._exit(code)


def supervise(settings: Any) -> None:
    """Keep one triggerer running until SIGTERM / SIGINT."""
    stopping = False
    pid = 0

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        if pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    backoff = 0.5
    while not stopping:
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            _child(settings)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
            except ChildProcessError:
                status = 0
                break
        pid = 0
        if stopping:
            return
        log.error("triggerer exited (%s); restarting in %.1f s",
                  os.waitstatus_to_exitcode(status), backoff)
        time.sleep(backoff)
        # A triggerer that ran for a while before dying restarts quickly again.
        backoff = 0.5 if time.monotonic() - started > 60 else min(backoff * 2, MAX_BACKOFF)
