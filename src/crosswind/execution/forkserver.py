"""The fork server: a warm, single-threaded process that forks one child per task try and
does the database bookkeeping of all its children in batches. The executor starts it as a
fresh interpreter (`spawn`), so it holds only what task tries need.

It has Crosswind imported and caches loaded DAG files by (path, mtime), so a child starts
in a few milliseconds with the DAG already in memory (a 1,000-task file is imported once,
not per task). Per loop iteration, one write transaction: mark the new tries running
(guarded), record outcomes that children sent through their pipes, fail tries whose
process died without reporting, heartbeat the running ones. The connection is closed
before any fork, so no child ever inherits an open database connection.

Protocol with the executor, one JSON object per line over two pipes:
    executor → server   {"op": "run", "item": {...}} | {"op": "kill", "keys": [[ti, try]]}
                        | {"op": "stop"}  (terminate running tries, then exit)
                        | {"op": "stop", "reason": "shutdown"}  (the same, and the tries
                          stopped are given back: scheduled again, no retry used)
    server → executor   {"ev": "exit", "ti": ti_id, "try": n, "code": exit code or -signal,
                         "reason": null | "timeout" | "killed" | "not_queued"}
On EOF of its command pipe (the scheduler died) it stops taking work but keeps running
until its last child is done and recorded: a scheduler crash loses nothing.

A child reports over a socket pair: it writes its outcome, shuts down its sending side,
and waits for one byte back, which the server sends only once the outcome is committed.
If the server dies first, the child sees EOF instead and writes the outcome itself
(guarded): an outcome is durable before the try's process exits, whoever dies when.
execution_timeout: the try's own SIGALRM fails it gracefully; if it is still alive
TIMEOUT_GRACE seconds later its process group gets SIGTERM, then SIGKILL after KILL_AFTER.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import os
import select
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crosswind.execution.base import WorkItem
from crosswind.execution.server_db import ServerDb, read_report

log = logging.getLogger(__name__)
TIMEOUT_GRACE = 2.0
KILL_AFTER = 5.0


@dataclass
class ForkServerHandle:
    pid: int
    cmd_fd: int  # we write commands
    evt_fd: int  # we read events


@dataclass(frozen=True)
class ServerSettings:
    """The settings the fork server and task tries use, without pydantic: the spawned
    interpreter then does not import it (~6 MiB less in it and so in every fork)."""

    db_url: str
    fernet_key: str | None
    home: Path
    logs_path: Path
    task_heartbeat_timeout: float
    plugins_path: Path | None = None

    @classmethod
    def of(cls, settings: Any) -> ServerSettings:
        return cls(settings.db_url, settings.fernet_key, settings.home, settings.logs_path,
                   settings.task_heartbeat_timeout, getattr(settings, "plugins_path", None))

    def to_json(self) -> str:
        return json.dumps({**self.__dict__, "home": str(self.home),
                           "logs_path": str(self.logs_path),
                           "plugins_path": str(self.plugins_path) if self.plugins_path else None})

    @classmethod
    def from_json(cls, text: str) -> ServerSettings:
        data = json.loads(text)
        plugins = data.get("plugins_path")
        return cls(**{**data, "home": Path(data["home"]), "logs_path": Path(data["logs_path"]),
                      "plugins_path": Path(plugins) if plugins else None})


_ENTRY = "import sys; from crosswind.execution.forkserver import main; sys.exit(main(sys.argv[1:]))"


def spawn(settings: Any, *, fresh: bool = True) -> ForkServerHandle:
    """Start the server. `fresh`: as a new interpreter (fork + exec, safe from any thread):
    it imports only what task tries need, so it and every try forked from it are smaller
    than a fork of the scheduler would be, and it inherits no connection or lock.
    Otherwise a plain fork of this process (`crosswind worker`, before any thread)."""
    if not fresh:
        return _spawn_forked(settings)
    cmd_r, cmd_w = os.pipe()
    evt_r, evt_w = os.pipe()
    # The settings (with the Fernet key) go through a pipe, not the environment, which
    # task processes would inherit and /proc/PID/environ would show.
    set_r, set_w = os.pipe()
    for fd in (cmd_r, evt_w, set_r):
        os.set_inheritable(fd, True)
    try:
        pid = os.posix_spawn(sys.executable, [sys.executable, "-c", _ENTRY, str(cmd_r),
                                              str(evt_w), str(set_r)], os.environ)
        # A few hundred bytes: never blocks, and with our read end still open never EPIPE.
        with os.fdopen(set_w, "w") as pipe:
            pipe.write(ServerSettings.of(settings).to_json())
    finally:
        for fd in (cmd_r, evt_w, set_r):
            os.close(fd)
    os.set_blocking(evt_r, False)
    return ForkServerHandle(pid, cmd_w, evt_r)


def _spawn_forked(settings: Any) -> ForkServerHandle:
    cmd_r, cmd_w = os.pipe()
    evt_r, evt_w = os.pipe()
    gc.freeze()  # the server shares our pages; a GC pass in either would copy them all
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            os.close(cmd_w)
            os.close(evt_r)
            _Server(settings, cmd_r, evt_w).serve()
        except BaseException:  # noqa: BLE001 - the server must reach os._exit
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    os.close(cmd_r)
    os.close(evt_w)
    os.set_blocking(evt_r, False)
    return ForkServerHandle(pid, cmd_w, evt_r)


def main(argv: list[str]) -> int:
    """Entry of the spawned server (argv: the command, event and settings pipes)."""
    cmd_fd, evt_fd, settings_fd = (int(a) for a in argv[:3])
    with os.fdopen(settings_fd) as pipe:
        settings = ServerSettings.from_json(pipe.read())
    for fd in (cmd_fd, evt_fd):
        os.set_inheritable(fd, False)  # task tries must not inherit them
    try:
        _Server(settings, cmd_fd, evt_fd).serve()
    except BaseException:  # noqa: BLE001 - reported; the executor restarts us
        traceback.print_exc()
        return 1
    return 0


@dataclass
class _Child:
    item: WorkItem
    pid: int
    report_fd: int
    data: bytes = b""
    term_at: float | None = None
    kill_at: float | None = None
    reason: str | None = None
    recorded: bool = False  # its complete report was recorded before the process exited
    reported: bool = False  # the child finished writing (EOF): report_fd stays for the ack
    ack_due: bool = False  # its outcome is in the batch being committed


@dataclass
class _Server:
    settings: Any
    cmd_fd: int
    evt_fd: int
    children: dict[int, _Child] = field(default_factory=dict)
    dags: dict[str, tuple[int, dict[str, Any], str | None]] = field(default_factory=dict)
    to_start: list[WorkItem] = field(default_factory=list)
    inbuf: bytes = b""
    outbuf: bytes = b""
    accepting: bool = True

    def serve(self) -> None:
        # Ctrl-C or a SIGTERM of the whole process group: the scheduler (or worker) tells us
        # when to stop, after its shutdown grace, and EOF on our command pipe means it died.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _no_fastbins()
        self.store = ServerDb(self.settings)
        self.env = self.store.runner_env()
        wake_r, wake_w = os.pipe()
        for fd in (wake_r, wake_w):
            os.set_blocking(fd, False)
            fcntl.fcntl(fd, fcntl.F_SETFD, fcntl.FD_CLOEXEC)
        self.wake_fds = (wake_r, wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.set_wakeup_fd(wake_w)
        os.set_blocking(self.evt_fd, False)
        while self.accepting or self.children or self.to_start:
            self._step(wake_r)
        self.store.flush()
        self._flush_events(final=True)
        self.store.wake()

    def _step(self, wake_r: int) -> None:
        reports = {c.report_fd: c for c in self.children.values()
                   if c.report_fd >= 0 and not c.reported}
        readers = [wake_r, *reports] + ([self.cmd_fd] if self.accepting else [])
        writers = [self.evt_fd] if self.outbuf else []
        try:
            r, _, _ = select.select(readers, writers, [], self._timeout())
        except InterruptedError:
            r = []
        if wake_r in r:
            with contextlib.suppress(BlockingIOError):
                os.read(wake_r, 4096)
        for fd in r:
            if fd in reports:
                self._record_report(reports[fd])
        if self.cmd_fd in r:
            self._read_commands()
        self._reap()
        self._enforce_deadlines()
        self._bookkeeping()
        self._flush_events()
        self.store.wake()

    def _bookkeeping(self) -> None:
        """One transaction for everything due, then the forks (no connection open)."""
        starting, self.to_start = self.to_start, []
        won = self.store.flush(starting,
                               [c.item for c in self.children.values() if not c.recorded])
        self._ack()  # outcomes are committed: their processes may exit now
        # Outcomes are committed: tell the scheduler now, not after the forks below (a
        # batch of forks takes milliseconds, and each reported exit frees a slot).
        self._flush_events()
        self.store.wake()
        if won:
            self.store.close()  # no connection may be open across the forks below
        for item in starting:
            if item.ti_id in won:
                self._fork(item)
            else:
                self._emit(item, 0, "not_queued")
        for item in self.store.take_away():
            for child in self.children.values():
                if child.item.key == item.key:
                    self._terminate(child, "killed")

    def _ack(self) -> None:
        """Tell each child whose outcome was just committed that it may exit."""
        for child in self.children.values():
            if child.ack_due:
                child.ack_due = False
                _close_report(child, ack=True)

    def _timeout(self) -> float | None:
        if self.to_start or self.store.pids:
            return 0.0  # pids of just-forked tries are written at once (API shows them)
        deadlines = [d for c in self.children.values() for d in (c.term_at, c.kill_at) if d]
        if self.children:  # heartbeats only while tries run: an idle server sleeps
            deadlines.append(self.store.next_due())
        deadlines = [d for d in deadlines if d is not None]
        if not deadlines:
            return None
        return max(0.0, min(deadlines) - time.monotonic())

    def _read_commands(self) -> None:
        try:
            chunk = os.read(self.cmd_fd, 1 << 16)
        except BlockingIOError:
            return
        if not chunk:
            self.accepting = False
            return
        self.inbuf += chunk
        *lines, self.inbuf = self.inbuf.split(b"\n")
        for line in lines:
            if line:
                self._command(json.loads(line))

    def _command(self, msg: dict[str, Any]) -> None:
        if msg["op"] == "run":
            self.to_start.append(WorkItem.from_dict(msg["item"]))
        elif msg["op"] == "kill":
            wanted = {tuple(k) for k in msg["keys"]}
            for child in self.children.values():
                if child.item.key in wanted:
                    self._terminate(child, "killed")
        elif msg["op"] == "stop":
            self._stop(msg.get("reason") or "killed")

    def _stop(self, reason: str = "killed") -> None:
        self.accepting = False
        self.to_start = []  # still queued: the executor gives them back
        for child in self.children.values():
            self._terminate(child, reason)

    def _terminate(self, child: _Child, reason: str) -> None:
        child.reason = child.reason or reason
        _killpg(child.pid, signal.SIGTERM)
        child.term_at = None
        child.kill_at = time.monotonic() + KILL_AFTER

    def _load(self, path: str) -> tuple[dict[str, Any], str | None]:
        from crosswind.dags.parser import load_dag_file
        from crosswind.dags.templating import make_environment
        from crosswind.execution.task_runner import warm_up

        try:
            mtime = os.stat(path).st_mtime_ns
        except OSError as exc:
            return {}, f"DAG file {path} is not readable: {exc}"
        cached = self.dags.get(path)
        if cached is None or cached[0] != mtime:
            try:
                dags, error = {d.dag_id: d for d in load_dag_file(path)}, None
                for dag in dags.values():  # built once here, inherited by every try
                    make_environment(dag)
                    warm_up(dag)
            except BaseException:  # noqa: BLE001 - the try fails with this text
                dags, error = {}, traceback.format_exc()
            self.dags[path] = cached = (mtime, dags, error)
        return cached[1], cached[2]

    def _fork(self, item: WorkItem) -> None:
        from crosswind.execution.task_runner import run_forked

        dags, error = self._load(item.fileloc)
        dag = dags.get(item.dag_id)
        if dag is None and error is None:
            error = f"DAG {item.dag_id} not found in {item.fileloc}"
        server_end, child_end = socket.socketpair()
        report_r, report_w = server_end.detach(), child_end.detach()
        # Without this the child's first garbage collection walks (and so copies) every
        # object inherited from us: ~100 ms per task instead of ~1 ms.
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.setsid()  # first: a kill of the scheduler's process group must miss us
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                for fd in (self.cmd_fd, self.evt_fd, report_r, *self.wake_fds,
                           *(c.report_fd for c in self.children.values() if c.report_fd >= 0)):
                    os.close(fd)
                code = run_forked(item, self.env, dag, error, report_w)
            except BaseException:  # noqa: BLE001 - reported as a try that did not report
                traceback.print_exc()
            finally:
                with contextlib.suppress(Exception):
                    sys.stdout.flush()
                os._exit(code)
        os.close(report_w)
        os.set_blocking(report_r, False)
        self.store.started(item, pid)
        child = _Child(item, pid, report_r)
        if item.execution_timeout:
            child.term_at = time.monotonic() + item.execution_timeout + TIMEOUT_GRACE
        self.children[pid] = child

    def _record_report(self, child: _Child) -> None:
        """Read what the child reported; once its report is complete (it closed the pipe
        after writing it), record the outcome at once instead of after the process has
        exited: tearing down a forked address space takes milliseconds on a busy machine,
        and until the outcome is recorded the try holds its slot."""
        _drain(child)
        if not child.reported or child.recorded:
            return
        result = read_report(child.data)
        if result is None:
            _close_report(child)
            return  # none or incomplete: recorded when the process is reaped, as a failure
        child.recorded = child.ack_due = True
        self.store.finished(child.item, result, 0, child.reason)
        self._emit(child.item, 0, child.reason)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            child = self.children.pop(pid, None)
            if child is None:
                continue
            _killpg(pid, signal.SIGKILL)  # leftovers of the try's process group
            _drain(child)
            _close_report(child)  # a recorded outcome not committed yet still is, next
            if child.recorded:
                continue
            code = os.waitstatus_to_exitcode(status)
            result = read_report(child.data)
            if result is None and child.data:
                log.warning("unreadable report from %s", child.item.key)
            self.store.finished(child.item, result, code, child.reason)
            self._emit(child.item, code, child.reason)

    def _enforce_deadlines(self) -> None:
        now = time.monotonic()
        for child in self.children.values():
            if child.term_at is not None and now >= child.term_at:
                self._terminate(child, "timeout")
            elif child.kill_at is not None and now >= child.kill_at:
                _killpg(child.pid, signal.SIGKILL)
                child.kill_at = None

    def _emit(self, item: WorkItem, code: int, reason: str | None) -> None:
        event = {"ev": "exit", "ti": item.ti_id, "try": item.try_number, "code": code,
                 "reason": reason}
        self.outbuf += json.dumps(event).encode() + b"\n"

    def _flush_events(self, final: bool = False) -> None:
        while self.outbuf:
            try:
                sent = os.write(self.evt_fd, self.outbuf)
            except BlockingIOError:
                if not final:
                    return
                time.sleep(0.01)
                continue
            except BrokenPipeError:
                self.outbuf = b""  # the scheduler is gone; the database has it all
                return
            self.outbuf = self.outbuf[sent:]


def _no_fastbins() -> None:
    """glibc's malloc consolidates its "fast bins" by walking free chunks across the heap;
    in a forked child every page that walk touches is copied (a tenth of a task process's
    page faults). Python's own allocator serves small objects, so without fast bins
    malloc is barely slower here and children copy fewer pages."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).mallopt(1, 0)  # M_MXFAST = 0


def _drain(child: _Child) -> None:
    """Read what the child reported so far (all of it once it has finished writing)."""
    while child.report_fd >= 0 and not child.reported:
        try:
            chunk = os.read(child.report_fd, 1 << 16)
        except BlockingIOError:
            return
        except OSError:  # reset by a dying child
            chunk = b""
        if not chunk:
            child.reported = True
            return
        child.data += chunk


def _close_report(child: _Child, ack: bool = False) -> None:
    """Close our end of the child's report socket, first acknowledging its committed
    outcome (one byte into an empty socket buffer: never blocks)."""
    if child.report_fd < 0:
        return
    if ack:
        with contextlib.suppress(OSError):  # the child was killed meanwhile
            os.write(child.report_fd, b"K")
    os.close(child.report_fd)
    child.report_fd = -1


def _killpg(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
