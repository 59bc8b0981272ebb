"""The body of a task process: runs one try that the fork server has already marked
`running` (guarded in the database), then reports the outcome.

Reporting: the outcome goes as one JSON document over a socket to the fork server, which
writes it (with other tries' outcomes, in one transaction), acknowledges the commit, and
heartbeats for its running children. The process exits only after that acknowledgement;
if the fork server dies before it, the process writes the outcome itself (guarded, so a
zombie decision or a clear made meanwhile wins). Exit code 0 means "recorded".
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import OperationalError

from crosswind.dags import dataset_context, masking
from crosswind.dags.context import RunInfo, TIInfo, build_context
from crosswind.dags.exceptions import AirflowTaskTerminated
from crosswind.dags.operators.python import callable_parameters
from crosswind.dags.runtime import set_backend
from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.execution import try_records
from crosswind.execution.base import WorkItem
from crosswind.execution.child_io import prepare_logging, redirect_to
from crosswind.execution.log_paths import log_file
from crosswind.execution.runtime_db import DbBackend
from crosswind.execution.task_execute import TaskOutcome, execute_task
from crosswind.execution.try_records import TryResult
from crosswind.scheduling import wakeup
from crosswind.security import SecretBox
from crosswind.triggers import serde

if TYPE_CHECKING:
    from crosswind.execution.forkserver import ServerSettings

log = logging.getLogger("crosswind.task")
PREV_KEYS = ("prev_execution_date", "prev_execution_date_success",
             "prev_data_interval_start_success", "prev_data_interval_end_success",
             "prev_start_date_success")


@dataclass
class RunnerEnv:
    """What the fork server prepared once and every task process inherits (the database
    engine has never connected in the server: each child opens its own connection)."""

    settings: ServerSettings  # or a full Settings: the same attributes
    db: Database
    box: SecretBox
    wake_address: str
    server_pid: int
    logs_dir: str = ""

    def __post_init__(self) -> None:
        self.logs_dir = self.logs_dir or str(self.settings.logs_path)
        prepare_logging()


def warm_up(dag: Any) -> None:
    """Fill, in the fork server, caches each task process would otherwise fill (and then
    throw away): python callables' signatures and the ABC caches that logging's
    isinstance(arg, Mapping) checks consult (a cold check walks every registered
    subclass: ~2 ms per task process)."""
    for task in dag.task_dict.values():
        fn = getattr(task, "python_callable", None)
        if fn is not None:
            callable_parameters(fn)
    for value in (None, 0, 0.0, "", b"", True, [], (), {}, set(), utcnow()):
        isinstance(value, Mapping)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _on_sigterm(signum: int, frame: Any) -> None:
    raise AirflowTaskTerminated("Task received SIGTERM signal")


def run_forked(item: WorkItem, env: RunnerEnv, dag: Any, load_error: str | None,
               report_fd: int) -> int:
    """Run the try; returns the process exit code."""
    if os.getpgrp() != os.getpid():
        os.setsid()  # own process group: a timeout kill takes the task's children too
    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    masking.clear_secrets()
    redirect_to(log_file(env.logs_dir, item.dag_id, item.run_id, item.task_id,
                         item.try_number, item.map_index))
    started = utcnow()
    log.info("%s attempt %s of %s", "Resuming" if item.next_method else "Starting",
             item.try_number, item.max_tries + 1)
    _watch_parent(env, item)
    backend = DbBackend(env.db, env.box, env.wake_address)
    set_backend(backend)
    task = dag.task_dict.get(item.task_id) if dag is not None else None
    if task is None:
        outcome = TaskOutcome(state="failed", retryable=True,
                              error=load_error or f"Task {item.task_id} not found in DAG file")
        log.error("%s", outcome.error)
    else:
        ti = TIInfo(item.task_id, try_number=item.try_number, map_index=item.map_index,
                    max_tries=item.max_tries, mapped_args=item.mapped_args)
        context = build_context(dag=dag, task=task, run=_run_info(item), ti=ti)
        outcome = execute_task(task, context, item.next_method,
                               serde.decode(item.next_kwargs) if item.next_method else None)
        if outcome.state == "success":
            events = dataset_context.emitted(task, context)
        if outcome.state == "failed" and outcome.error:
            log.error("Task failed with exception\n%s", outcome.error.rstrip())
    result = _result(item, outcome, backend, dag)
    if task is not None and outcome.state == "success":
        result.dataset_events = events
    if result.state in try_records.SUSPENDED:
        result.start = started.isoformat()
    else:
        log.info("Marking task as %s. dag_id=%s, task_id=%s, run_id=%s", result.state.upper(),
                 item.dag_id, item.task_id, item.run_id)
    if result.skip:
        log.info("Skipping downstream tasks: %s", result.skip)
    _report(env, item, result, report_fd)
    return 0


def _run_info(item: WorkItem) -> RunInfo:
    r = item.run
    info = RunInfo(
        dag_id=item.dag_id, run_id=item.run_id, logical_date=datetime.fromisoformat(
            r["logical_date"]),
        data_interval_start=_dt(r.get("data_interval_start")),
        data_interval_end=_dt(r.get("data_interval_end")),
        run_type=r.get("run_type", "manual"), external_trigger=r.get("external_trigger", True),
        conf=r.get("conf") or {}, start_date=_dt(r.get("start_date")),
    )
    for key in PREV_KEYS:  # computed by the scheduler once per run
        setattr(info, key, _dt(r.get(key)))
    return info


def _result(item: WorkItem, outcome: TaskOutcome, backend: DbBackend, dag: Any) -> TryResult:
    end = utcnow()
    if outcome.state in ("success", "skipped"):
        result = TryResult(state=outcome.state, end=end.isoformat())
    elif outcome.state in try_records.SUSPENDED:  # the try goes on later, same try number
        when = outcome.reschedule_date
        result = TryResult(state=outcome.state, end=end.isoformat(), defer=outcome.defer,
                           next_retry_at=when.isoformat() if when else None)
    else:
        result = try_records.failed_result(item, end, outcome.error or "", outcome.retryable)
    result.rendered_fields = outcome.rendered_fields or None
    result.rendered_map_index = outcome.rendered_map_index
    result.xcoms = [[k[4], v] for k, v in backend.pending.items()]
    if outcome.state == "success":
        result.skip = sorted(_to_skip(item, outcome, dag))
    return result


def _to_skip(item: WorkItem, outcome: TaskOutcome, dag: Any) -> set[str]:
    """Branching / short-circuit: the skipping task marks its downstream, as in Airflow."""
    if dag is None:
        return set()
    if outcome.skip_downstream:  # short-circuit: everything below but the teardowns
        return {t for t in dag._relatives(item.task_id, upstream=False)
                if not dag.task_dict[t].is_teardown}
    if outcome.follow_task_ids is not None:
        task = dag.task_dict[item.task_id]
        return set(task.downstream_task_ids) - set(outcome.follow_task_ids)
    return set()


def _report(env: RunnerEnv, item: WorkItem, result: TryResult, fd: int) -> None:
    """Send the outcome to the fork server and wait until it says it is committed; if the
    server dies first (EOF or a reset instead of the acknowledgement), write it ourselves.
    Either way the outcome is in the database before this process exits."""
    data = json.dumps(result.to_dict(), default=str).encode()
    # The try is over: a SIGTERM now (a clear, a shutdown) could only lose its outcome.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if _sent_and_acknowledged(fd, data):
        return
    log.warning("fork server gone before recording the outcome; writing it directly")

    for attempt in range(DIRECT_WRITE_ATTEMPTS):
        try:
            # One transaction at a time in this process: the orphan heartbeat's and this
            # one touch the same rows and would deadlock each other on PostgreSQL.
            with _DB_LOCK, env.db.write_connection() as c:
                try_records.write_final(c, item, result)
                try_records.notify(c)
            break
        except OperationalError:  # a deadlock victim, a lost connection: try again
            if attempt == DIRECT_WRITE_ATTEMPTS - 1:
                raise
            log.warning("writing the outcome failed; retrying", exc_info=True)
            time.sleep(0.2 * (attempt + 1))
    wakeup.send(env.wake_address)


def _sent_and_acknowledged(fd: int, data: bytes) -> bool:
    sock = socket.socket(fileno=fd)
    try:
        sock.setblocking(True)
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)  # the server reads EOF: the report is complete
        while True:
            try:
                return sock.recv(1) == b"K"
            except InterruptedError:
                continue
    except OSError:
        return False
    finally:
        sock.close()


def load_libc() -> Any:
    """The C library handle, loaded once in the fork server (warm_up) so each task
    process does not load and wrap it again."""
    global _LIBC
    if _LIBC is None:
        _LIBC = ctypes.CDLL(None)
        _LIBC.prctl  # noqa: B018 - resolve the symbol now, inherited by every fork
    return _LIBC


_LIBC: Any = None
_DB_LOCK = threading.Lock()
DIRECT_WRITE_ATTEMPTS = 5


def _watch_parent(env: RunnerEnv, item: WorkItem) -> None:
    """The fork server heartbeats its children. If it dies (kill -9 of the scheduler's
    process group), the kernel signals us (PR_SET_PDEATHSIG) and we start heartbeating
    ourselves, so the running try is not taken for a zombie. No thread until then."""
    def orphaned(*_: object) -> None:
        _OrphanHeartbeat(env, item).start()

    signal.signal(signal.SIGUSR2, orphaned)
    with contextlib.suppress(Exception):
        load_libc().prctl(1, signal.SIGUSR2)  # 1 = PR_SET_PDEATHSIG (Linux)
    if os.getppid() != env.server_pid:  # it died before we asked to be told
        orphaned()


class _OrphanHeartbeat(threading.Thread):
    """Heartbeats of an orphaned try; stops it if the TI was taken away meanwhile."""

    def __init__(self, env: RunnerEnv, item: WorkItem) -> None:
        super().__init__(daemon=True, name="orphan-heartbeat")
        self.env, self.item = env, item
        self.interval = min(5.0, env.settings.task_heartbeat_timeout / 6)

    def run(self) -> None:
        pid_due = True
        while True:
            try:
                with _DB_LOCK, self.env.db.write_connection() as c:
                    if pid_due:  # the fork server may have died before writing it
                        try_records.set_pids(c, [(self.item, os.getpid())])
                    lost = try_records.heartbeat(c, [self.item], utcnow())
                pid_due = False
            except Exception:
                log.warning("heartbeat failed", exc_info=True)
                lost = []
            if lost:
                log.warning("State of this task instance was changed externally; terminating")
                os.kill(os.getpid(), signal.SIGTERM)
                return
            time.sleep(self.interval)
