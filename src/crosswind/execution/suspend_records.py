"""The database side of a try that suspends instead of ending: deferred (a trigger row,
the TI's trigger_id / next_method / next_kwargs / trigger_timeout) or up_for_reschedule
(a task_reschedules row; the reschedule date is in next_retry_at, which the scheduler
already honours). Both keep the try number: the try goes on in a later process.

Every write is guarded on the state just written and the try number, so a clear or a
timeout that moved the TI meanwhile wins (the base of issue 11's transition layer).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from crosswind.execution.base import WorkItem
from crosswind.models import TaskInstance, TaskReschedule, TaskTry, Trigger

TIT = TaskInstance.__table__
TRY = TaskTry.__table__
TRG = Trigger.__table__
RSC = TaskReschedule.__table__
_UPSERTS: dict[str, Any] = {}


def try_upsert(c: Connection) -> Any:
    """INSERT of a task_tries row that reopens the row of a continuing try (built once per
    dialect; as cheap as the plain insert for a fresh try)."""
    name = c.dialect.name
    if name not in _UPSERTS:
        dialect = postgresql if name == "postgresql" else sqlite
        stmt = dialect.insert(TRY)
        _UPSERTS[name] = stmt.on_conflict_do_update(
            index_elements=["dag_id", "run_id", "task_id", "map_index", "try_number"],
            set_={"state": stmt.excluded.state, "hostname": stmt.excluded.hostname,
                  "end_date": None, "error": None})
    return _UPSERTS[name]


def suspended(c: Connection, item: WorkItem, r: Any) -> None:
    """After write_final moved the TI running → deferred | up_for_reschedule."""
    end = datetime.fromisoformat(r.end)
    if r.state == "deferred":
        _defer(c, item, r.defer or {}, end)
    else:
        start = datetime.fromisoformat(r.start) if r.start else end
        c.execute(RSC.insert().values(
            dag_id=item.dag_id, run_id=item.run_id, task_id=item.task_id,
            map_index=item.map_index, try_number=item.try_number, start_date=start,
            end_date=end, duration=(end - start).total_seconds(),
            reschedule_date=datetime.fromisoformat(r.next_retry_at or r.end)))


def _defer(c: Connection, item: WorkItem, d: dict[str, Any], now: datetime) -> None:
    trigger_id = c.execute(TRG.insert().values(
        classpath=d["classpath"], kwargs=d["kwargs"], created_date=now,
    ).returning(TRG.c.id)).scalar_one()
    timeout = now + timedelta(seconds=d["timeout"]) if d.get("timeout") is not None else None
    if item.execution_timeout:  # Airflow: the deferral ends by the execution timeout too
        start = c.scalar(select(TIT.c.start_date).where(TIT.c.id == item.ti_id)) or now
        limit = start + timedelta(seconds=item.execution_timeout)
        timeout = min(timeout, limit) if timeout else limit
    c.execute(TIT.update().where(
        TIT.c.id == item.ti_id, TIT.c.state == "deferred", TIT.c.try_number == item.try_number,
    ).values(trigger_id=trigger_id, next_method=d["method"], next_kwargs=d["next_kwargs"],
             trigger_timeout=timeout, end_date=None, duration=None))
