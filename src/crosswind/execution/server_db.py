"""The fork server's database side: one short write transaction per loop iteration for
every start, outcome, failure and heartbeat that is due, and no open connection between
them (children are forked right after, and must not inherit a connection).
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.execution import try_records
from crosswind.execution.base import WorkItem
from crosswind.execution.try_records import TryResult
from crosswind.scheduling import wakeup

log = logging.getLogger(__name__)


_ENDED_WELL = frozenset({"success", "skipped", "deferred", "up_for_reschedule"})


class _Rollback(Exception):
    pass


class ServerDb:
    def __init__(self, settings: Any) -> None:
        self.settings = settings
        from crosswind import plugins

        plugins.configure(settings.plugins_path)  # macros in templates, helpers on sys.path
        self.db = Database(settings.db_url, pool_size=1)
        self.interval = min(5.0, settings.task_heartbeat_timeout / 6)
        self.next_beat = time.monotonic() + self.interval
        self.finals: list[tuple[WorkItem, TryResult]] = []
        self.pids: list[tuple[WorkItem, int]] = []
        self.taken: list[WorkItem] = []
        self.wake_address = wakeup.address_for(settings.db_url)
        self.wake_due = False
        self._warm_up()

    def runner_env(self) -> Any:
        """What children inherit: their own (never connected here) engine and the key."""
        import jinja2.ext
        import jinja2.nativetypes  # noqa: F401

        from crosswind.dags import airflow_shim
        from crosswind.execution.task_runner import RunnerEnv, load_libc
        from crosswind.security import SecretBox, load_fernet_key

        airflow_shim.install()
        load_libc()  # loaded here once instead of in every task process
        box = SecretBox(load_fernet_key(self.settings.fernet_key, self.settings.home))
        child_db = Database(self.settings.db_url, pool_size=2)
        return RunnerEnv(settings=self.settings, db=child_db, box=box,
                         wake_address=self.wake_address, server_pid=os.getpid())

    def started(self, item: WorkItem, pid: int) -> None:
        self.pids.append((item, pid))

    def finished(self, item: WorkItem, result: TryResult | None, code: int,
                 reason: str | None) -> None:
        """Queue the outcome of a child: its report, or (None) a failure from how it ended.
        A try a shutdown stopped is given back unless it still managed to end well."""
        if reason == "shutdown" and (result is None or result.state not in _ENDED_WELL):
            result = try_records.give_back_result(utcnow())
        if result is None:
            result = try_records.failed_result(item, utcnow(), _error(item, code, reason))
        self.finals.append((item, result))

    def next_due(self) -> float | None:
        return self.next_beat

    def take_away(self) -> list[WorkItem]:
        taken, self.taken = self.taken, []
        return taken

    def flush(self, starting: list[WorkItem] | None = None,
              running: list[WorkItem] | None = None) -> set[int]:
        """Write everything due in one transaction; returns the ti_ids that may start."""
        starting = starting or []
        if not running:  # the first try after an idle spell beats one interval later
            self.next_beat = time.monotonic() + self.interval
        beat = bool(running) and time.monotonic() >= self.next_beat
        if not (starting or self.finals or self.pids or beat):
            return set()
        finals, pids = self.finals, self.pids
        now = utcnow()

        def write(c: Any) -> set[int]:
            won = try_records.mark_running(c, starting, now)
            try_records.set_pids(c, pids)
            for item, result in finals:
                try_records.write_final(c, item, result)
            if beat:
                self.taken = try_records.heartbeat(c, running or [], now)
            if finals:
                try_records.notify(c)
            return won

        try:
            with self.db.write_connection() as c:
                won = write(c)
        except BaseException:
            self.close()
            raise
        self.finals, self.pids = [], []
        if beat:
            self.next_beat = time.monotonic() + self.interval
        # The datagram goes out after the exit events (wake()): the scheduler then finds
        # both the outcome and the freed slot on one wake-up, not two half-wake-ups.
        self.wake_due = self.wake_due or bool(finals)
        return won

    def wake(self) -> None:
        """Wake the scheduler(s) if outcomes were written since the last call."""
        if self.wake_due:
            self.wake_due = False
            wakeup.send(self.wake_address)

    def close(self) -> None:
        """Close the pooled connection: required before every fork (a child must never
        inherit an open SQLite/PostgreSQL connection)."""
        self.db.engine.dispose()

    def _warm_up(self) -> None:
        """Run each statement once (rolled back) so SQLAlchemy compiles it now, not later."""
        now = utcnow()
        item = WorkItem(ti_id=-1, dag_id="~warm", run_id="~warm", task_id="~warm",
                        try_number=1, max_tries=0, fileloc="",
                        run={"logical_date": now.isoformat()})
        result = TryResult(state="success", end=now.isoformat(), xcoms=[["k", 1]], skip=["x"])

        def body(c: Any) -> None:
            c.execute(try_records.TIT.insert().values(
                id=-1, dag_id=item.dag_id, run_id=item.run_id, task_id=item.task_id,
                state="queued", try_number=1))
            try_records.mark_running(c, [item], now)
            try_records.set_pids(c, [(item, 1)])
            try_records.heartbeat(c, [item], now)
            try_records.write_final(c, item, result)
            raise _Rollback

        try:
            with self.db.write_connection() as c:
                body(c)
        except _Rollback:
            pass
        except Exception:
            log.warning("fork server warm-up failed", exc_info=True)
        self.db.engine.dispose()


def read_report(data: bytes) -> TryResult | None:
    """The TryResult a child wrote through its pipe; None when missing or incomplete."""
    if not data:
        return None
    try:
        return TryResult(**json.loads(data))
    except (ValueError, TypeError):
        return None


def _error(item: WorkItem, code: int, reason: str | None) -> str:
    if reason == "timeout":
        return (f"Task exceeded execution_timeout ({item.execution_timeout:g} s): "
                "its process group was killed")
    if reason == "killed":
        return "Task process was terminated (cleared, run timed out, or shutdown)"
    how = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
    return f"Task process {how} without reporting an outcome"
