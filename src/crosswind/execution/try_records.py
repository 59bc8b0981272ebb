"""The database writes of a task try, in Core (cheapest path), shared by the fork server
(which batches them for all its children) and a task process reporting on its own.

    mark_running:  queued → running, guarded `state='queued' AND try_number=N`, plus the
                   task_tries row; the previous try's XComs are removed (as Airflow does)
    write_final:   running → success | skipped | failed | up_for_retry, guarded on
                   `state='running' AND try_number=N`; XComs; branch/short-circuit skips;
                   or running → deferred | up_for_reschedule (suspend_records: the same
                   try goes on later, so its task_tries row is reopened, not duplicated)
    fail_unreported: a try whose process died without reporting (kill -9, crash, hard
                   timeout kill) → up_for_retry or failed per its tries
"""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.engine import Connection

from crosswind.db.base import utcnow
from crosswind.execution import suspend_records
from crosswind.execution.base import WorkItem
from crosswind.models import TaskInstance, TaskTry, XCom
from crosswind.scheduling.retries import failure_state, next_retry_at
from crosswind.scheduling.wakeup import CHANNEL
from crosswind.states import TI_SUSPENDED, TaskState
from crosswind.store import dataset_events, transitions

TS = TaskState

TIT = TaskInstance.__table__
TRY = TaskTry.__table__
XCT = XCom.__table__
SUSPENDED = TI_SUSPENDED
HOSTNAME = socket.gethostname()
UNIXNAME = getpass.getuser()


@dataclass
class TryResult:
    """What a finished try reports (JSON over a pipe to the fork server)."""

    state: str
    end: str
    next_retry_at: str | None = None
    error: str | None = None
    rendered_fields: dict[str, Any] | None = None
    xcoms: list[list[Any]] = field(default_factory=list)  # [key, value]
    skip: list[str] = field(default_factory=list)
    # Outlet events of a successful try ({"uri", "extra", "aliases"}), written with it.
    dataset_events: list[dict[str, Any]] = field(default_factory=list)
    defer: dict[str, Any] | None = None  # deferred: trigger and where to resume
    start: str | None = None  # deferred / up_for_reschedule: when this part of the try began
    rendered_map_index: str | None = None  # a mapped task's map_index_template, rendered

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict(): that deep-copies every value, and this runs per try.
        return dict(self.__dict__)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _p(name: str, column: Any = None) -> Any:
    return bindparam(name, type_=column.type if column is not None else None)


# Built once: constructing SQLAlchemy statements costs more than running them, and these
# run a few times per task try.
_MARK = transitions.ti_statement(
    [TS.QUEUED], TS.RUNNING, start_date=_p("p_now", TIT.c.start_date), end_date=None,
    duration=None, hostname=_p("p_host"), unixname=UNIXNAME, pid=None,
    last_heartbeat_at=_p("p_now", TIT.c.start_date), next_retry_at=None)
# A deferred task resuming keeps its start_date (Airflow: the try started before it deferred).
_MARK_RESUME = transitions.ti_statement(
    [TS.QUEUED], TS.RUNNING, end_date=None, duration=None, hostname=_p("p_host"),
    unixname=UNIXNAME, pid=None, last_heartbeat_at=_p("p_now", TIT.c.start_date),
    next_retry_at=None)
_CLEAR_XCOM = XCT.delete().where(XCT.c.dag_id == _p("p_dag"), XCT.c.run_id == _p("p_run"),
                                 XCT.c.task_id == _p("p_task"), XCT.c.map_index == _p("p_map"))
_TRY_KEY = (TRY.c.dag_id == _p("p_dag"), TRY.c.run_id == _p("p_run"),
            TRY.c.task_id == _p("p_task"), TRY.c.map_index == _p("p_map"),
            TRY.c.try_number == _p("p_n"))
_PID_TI = TIT.update().where(TIT.c.id == _p("p_id"), TIT.c.try_number == _p("p_n"),
                             TIT.c.pid.is_(None)).values(pid=_p("p_pid"))
_PID_TRY = TRY.update().where(*_TRY_KEY).values(pid=_p("p_pid"))
_START = select(TIT.c.start_date).where(TIT.c.id == _p("p_id"))
# One prebuilt move per outcome state (the table is checked for each, once).
_FINAL_VALUES: dict[str, Any] = {
    "end_date": _p("p_end", TIT.c.end_date), "next_retry_at": _p("p_retry", TIT.c.next_retry_at),
    "duration": _p("p_dur"), "rendered_fields": _p("p_rf", TIT.c.rendered_fields),
    "next_method": None, "next_kwargs": None,
    "rendered_map_index": _p("p_rmi", TIT.c.rendered_map_index),
    "trigger_id": None, "trigger_timeout": None}
_FINAL = {state: transitions.ti_statement([TS.RUNNING], state, **_FINAL_VALUES)
          for state in (TS.SUCCESS, TS.SKIPPED, TS.FAILED, TS.UP_FOR_RETRY, TS.DEFERRED,
                        TS.UP_FOR_RESCHEDULE)}
# A try stopped by a shutdown: scheduled again with its try number given back (no retry
# used); its task_tries row goes (the next start of that try number writes it anew).
_GIVE_BACK = transitions.ti_statement(
    [TS.RUNNING], TS.SCHEDULED, try_number=TIT.c.try_number - 1, queued_when=None, pid=None,
    end_date=None)
_TRY_DROP = TRY.delete().where(*_TRY_KEY)
_TRY_FINAL = TRY.update().where(*_TRY_KEY).values(
    state=_p("p_state"), end_date=_p("p_end", TRY.c.end_date), error=_p("p_err"))


def _key(item: WorkItem) -> dict[str, Any]:
    return {"p_dag": item.dag_id, "p_run": item.run_id, "p_task": item.task_id,
            "p_map": item.map_index, "p_n": item.try_number}


def mark_running(c: Connection, items: list[WorkItem], now: datetime) -> set[int]:
    """Guarded queued → running for each item; returns the ti_ids that won."""
    # HOSTNAME is read at call time: `crosswind worker` sets it to its reachable name.
    won = {i.ti_id for i in items
           if transitions.run_each(c, _MARK_RESUME if i.next_method else _MARK, [{
               "t_id": i.ti_id, "t_n": i.try_number, "p_now": now, "p_host": HOSTNAME,
           }])}
    starts = [i for i in items if i.ti_id in won]
    if starts:
        # A deferred / rescheduled try continuing has its task_tries row already.
        c.execute(suspend_records.try_upsert(c), [{
            "dag_id": i.dag_id, "run_id": i.run_id, "task_id": i.task_id,
            "map_index": i.map_index, "try_number": i.try_number, "state": TS.RUNNING.value,
            "hostname": HOSTNAME, "start_date": now,
        } for i in starts])
        # XComs of the try survive its deferral (Airflow clears them only without next_method).
        fresh = [_key(i) for i in starts if not i.next_method]
        if fresh:
            c.execute(_CLEAR_XCOM, fresh)
    return won


def set_pids(c: Connection, pids: list[tuple[WorkItem, int]]) -> None:
    """Record the OS pid of each started try (known only after the fork)."""
    if pids:
        c.execute(_PID_TI, [{"p_id": i.ti_id, "p_n": i.try_number, "p_pid": pid}
                            for i, pid in pids])
        c.execute(_PID_TRY, [{**_key(i), "p_pid": pid} for i, pid in pids])


def write_final(c: Connection, item: WorkItem, r: TryResult) -> bool:
    if r.state == TS.SCHEDULED:  # given back (see give_back_result)
        won = transitions.run_each(c, _GIVE_BACK, [{"t_id": item.ti_id, "t_n": item.try_number}])
        if won:
            c.execute(_TRY_DROP, _key(item))
        return bool(won)
    end = _dt(r.end)
    start = c.scalar(_START, {"p_id": item.ti_id})
    won = transitions.run_each(c, _FINAL[TS(r.state)], [{
        "t_id": item.ti_id, "t_n": item.try_number, "p_end": end,
        "p_retry": _dt(r.next_retry_at), "p_rf": r.rendered_fields or None,
        "p_rmi": r.rendered_map_index,
        "p_dur": (end - start).total_seconds() if start and end else None,
    }])
    c.execute(_TRY_FINAL, {**_key(item), "p_state": r.state, "p_end": end, "p_err": r.error})
    for key, value in r.xcoms:
        where = (XCT.c.dag_id == item.dag_id, XCT.c.run_id == item.run_id,
                 XCT.c.task_id == item.task_id, XCT.c.map_index == item.map_index,
                 XCT.c.key == key)
        c.execute(XCT.delete().where(*where))
        c.execute(XCT.insert().values(dag_id=item.dag_id, run_id=item.run_id,
                                      task_id=item.task_id, map_index=item.map_index, key=key,
                                      value=value, timestamp=end))
    if won and r.state == TS.SUCCESS and r.dataset_events:  # atomic with the success
        dataset_events.record(c, r.dataset_events, {
            "source_dag_id": item.dag_id, "source_task_id": item.task_id,
            "source_run_id": item.run_id, "source_map_index": item.map_index}, end or utcnow())
    if won and r.state in SUSPENDED:
        suspend_records.suspended(c, item, r)
    if won and r.skip:
        ids = c.scalars(select(TIT.c.id).where(
            TIT.c.dag_id == item.dag_id, TIT.c.run_id == item.run_id,
            TIT.c.task_id.in_(r.skip))).all()
        transitions.move_tis(c, ids, [None, TS.SCHEDULED], TS.SKIPPED, start_date=end,
                             end_date=end, duration=0.0)
    return bool(won)


def failed_result(item: WorkItem, now: datetime, error: str, retryable: bool = True) -> TryResult:
    """The result of a try that ended in failure: up_for_retry (with its time) or failed."""
    state = failure_state(item.try_number, item.max_tries, retryable)
    retry_at = None
    if state == TS.UP_FOR_RETRY:
        task = {**item.retry, "task_id": item.task_id}
        logical = _dt(item.run.get("logical_date")) or now
        retry_at = next_retry_at(task, dag_id=item.dag_id, logical_date=logical,
                                 try_number=item.try_number, end=now).isoformat()
    return TryResult(state=state, end=now.isoformat(), next_retry_at=retry_at, error=error)


def give_back_result(now: datetime) -> TryResult:
    """The "result" of a try a shutdown stopped before it ended: it runs again later."""
    return TryResult(state=TS.SCHEDULED.value, end=now.isoformat())


def heartbeat(c: Connection, items: list[WorkItem], now: datetime) -> list[WorkItem]:
    """Refresh last_heartbeat_at of running tries; returns those taken away (state or
    try_number changed by the API or the scheduler), which must be terminated."""
    if not items:
        return []
    ids = [i.ti_id for i in items]
    # Not a state move: only the liveness of tries still running.
    c.execute(TIT.update().where(TIT.c.id.in_(ids), TIT.c.state == TS.RUNNING.value)
              .values(last_heartbeat_at=now))
    current = {row.id: (row.state, row.try_number) for row in c.execute(
        select(TIT.c.id, TIT.c.state, TIT.c.try_number).where(TIT.c.id.in_(ids)))}
    return [i for i in items
            if current.get(i.ti_id, (None, None)) != (TS.RUNNING, i.try_number)]


def notify(c: Connection) -> None:
    if c.dialect.name == "postgresql":
        c.execute(text(f"NOTIFY {CHANNEL}"))
