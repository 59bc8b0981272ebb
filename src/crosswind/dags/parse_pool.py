"""Run DAG-file parses in forked children, a batch of files per child.

A child parses its files one after another and writes one JSON line per file to a pipe.
The parent gives each file `timeout` seconds from the previous file's result; a file
that overruns gets its child's process group SIGKILLed, a file whose child dies
(os._exit, segfault) gets an error naming the exit, and the rest of that batch goes
back to the queue for a fresh child. Batching matters because a fork of a large parent
plus the child's copy-on-write faults cost several milliseconds: one fork per 16 files
instead of per file is what keeps 1,000 files well inside the 30 s budget.
"""

from __future__ import annotations

import contextlib
import ctypes
import faulthandler
import gc
import json
import math
import os
import select
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Payload = Callable[[str], bytes]  # path -> one line of JSON {"dags": [...], "error": ...}


@dataclass
class ParseOutcome:
    dags: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    duration: float = 0.0


@dataclass
class _Child:
    paths: list[str]
    pid: int
    fd: int
    progress_at: float  # start, or when the previous file's result arrived
    done: int = 0
    buffer: bytes = b""


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_libc: Any = None


def _die_with_parent(parent: int) -> None:
    """If the processor itself is killed (even with SIGKILL), nobody would enforce the
    timeout: the kernel kills this child then instead, so a hanging file cannot linger."""
    with contextlib.suppress(Exception):
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before we asked
        os._exit(1)


def _child_main(paths: list[str], payload: Payload, write_fd: int, parent: int) -> None:
    code = 0
    try:
        faulthandler.disable()  # a crashing DAG file is reported by its signal instead
        gc.disable()  # a GC pass would touch (and so copy) every inherited page
        os.setpgid(0, 0)  # so a timeout can kill whatever the DAG file started too
        _die_with_parent(parent)
        for path in paths:
            _write_all(write_fd, payload(path) + b"\n")
    except BaseException:  # noqa: BLE001 - the child must reach os._exit
        code = 1
    finally:
        os._exit(code)


def _fork(paths: list[str], payload: Payload) -> _Child:
    global _libc
    if _libc is None:  # loaded once in the parent, inherited by every child
        with contextlib.suppress(OSError):
            _libc = ctypes.CDLL(None)
    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child_main(paths, payload, write_fd, parent)
    os.close(write_fd)
    return _Child(paths, pid, read_fd, started)


def _reap(child: _Child, kill: bool) -> int:
    if kill:
        for target in (-child.pid, child.pid):
            try:
                os.kill(target, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
    os.close(child.fd)
    return os.waitpid(child.pid, 0)[1]


def _exit_text(status: int, path: str) -> str:
    if os.WIFSIGNALED(status):
        sig = signal.Signals(os.WTERMSIG(status)).name
        return f"DAG file processor for {path} was killed by signal {sig}"
    return f"DAG file processor for {path} exited with code {os.waitstatus_to_exitcode(status)}"


def _drain(child: _Child, chunk: bytes, now: float) -> Iterator[tuple[str, ParseOutcome]]:
    child.buffer += chunk
    while b"\n" in child.buffer:
        line, child.buffer = child.buffer.split(b"\n", 1)
        data = json.loads(line)
        outcome = ParseOutcome(data["dags"], data["error"], now - child.progress_at)
        yield child.paths[child.done], outcome
        child.done += 1
        child.progress_at = now


class _Pool:
    def __init__(
        self, paths: list[str], payload: Payload, timeout: float, concurrency: int, batch_size: int
    ) -> None:
        self.pending = list(reversed(paths))  # a stack: next file at the end
        self.payload, self.timeout = payload, timeout
        self.concurrency = max(1, concurrency)
        self.batch_size = max(1, batch_size)
        self.running: dict[int, _Child] = {}

    def _start_children(self) -> None:
        while self.pending and len(self.running) < self.concurrency:
            # Small queues are spread over all workers rather than packed into one batch.
            size = min(self.batch_size, math.ceil(len(self.pending) / self.concurrency))
            batch = [self.pending.pop() for _ in range(min(size, len(self.pending)))]
            child = _fork(batch, self.payload)
            self.running[child.fd] = child

    def _end(self, child: _Child, error: str, now: float) -> tuple[str, ParseOutcome]:
        del self.running[child.fd]
        rest = child.paths[child.done + 1 :]
        self.pending.extend(reversed(rest))  # retried by a fresh child
        return child.paths[child.done], ParseOutcome(error=error, duration=now - child.progress_at)

    def run(self) -> Iterator[tuple[str, ParseOutcome]]:
        while self.pending or self.running:
            self._start_children()
            now = time.monotonic()
            wait = min(c.progress_at + self.timeout for c in self.running.values()) - now
            ready, _, _ = select.select(list(self.running), [], [], max(0.0, wait))
            now = time.monotonic()
            for fd in ready:
                child = self.running[fd]
                chunk = os.read(fd, 1 << 20)
                yield from _drain(child, chunk, now)
                if not chunk:
                    status = _reap(child, kill=False)
                    if child.done < len(child.paths):
                        yield self._end(child, _exit_text(status, child.paths[child.done]), now)
                    else:
                        del self.running[fd]
            for child in [c for c in self.running.values() if now - c.progress_at >= self.timeout]:
                _reap(child, kill=True)
                yield self._end(child, f"DagFileProcessor timed out after {self.timeout:g} s", now)


def run_isolated(
    paths: list[str], payload: Payload, timeout: float, concurrency: int, batch_size: int
) -> dict[str, ParseOutcome]:
    """path -> outcome for every path, each parsed by payload() in a forked child."""
    return dict(_Pool(paths, payload, timeout, concurrency, batch_size).run())
