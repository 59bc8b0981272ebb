"""Moves of deferred and rescheduled task instances, in one place.

A deferred or rescheduled TI goes back to `scheduled` to continue the SAME try (Airflow 2.11
does not count a reschedule or a deferral as a new try). Crosswind increments try_number
when it queues a TI, so a continuing TI goes to `scheduled` with try_number - 1 and the
queueing gives the number back, exactly as the orphan re-queue does (zombies.py): a
`scheduled` TI always shows the number of its last try.

Each move goes through `crosswind.store.transitions` (guarded on the state, the try number
and the trigger where known).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crosswind.models import TaskInstance, Trigger
from crosswind.states import TaskState as TS
from crosswind.store import transitions

TI = TaskInstance
TIT = TaskInstance.__table__
TIMEOUT_KWARGS = {"error": "Trigger/execution timeout"}


def continue_try_values(**extra: Any) -> dict[str, Any]:
    """The other columns of a TI going back to `scheduled` to continue its try."""
    return {"try_number": TIT.c.try_number - 1, "trigger_id": None, "trigger_timeout": None,
            **extra}


def expire_deferrals(session: Session, now: datetime) -> tuple[int, datetime | None]:
    """deferred TIs whose trigger_timeout passed → scheduled to fail in `__fail__` (as
    Airflow's scheduler does); returns (how many, the next timeout still pending)."""
    ids = session.scalars(select(TI.id).where(TI.state == TS.DEFERRED,
                                              TI.trigger_timeout < now)).all()
    n = len(transitions.move_tis(session, ids, [TS.DEFERRED], TS.SCHEDULED,
                                 where=[TIT.c.trigger_timeout < now],
                                 **continue_try_values(next_method="__fail__",
                                                       next_kwargs=TIMEOUT_KWARGS)))
    nxt = session.scalar(select(func.min(TI.trigger_timeout)).where(TI.state == TS.DEFERRED))
    return n, nxt


def submit_events(c: Connection, events: dict[int, Any]) -> list[tuple]:
    """Triggers fired: their deferred TIs → scheduled with `event` (the encoded payload,
    events[trigger_id]) added to next_kwargs. One read and one prebuilt move per TI for
    the batch (a thousand triggers due at the same moment fire together); returns the
    moved TIs' runs."""
    if not events:
        return []
    rows = c.execute(select(TI.id, TI.dag_id, TI.run_id, TI.try_number, TI.next_kwargs,
                            TI.trigger_id)
                     .where(TI.trigger_id.in_(list(events)), TI.state == TS.DEFERRED)).all()
    if not rows:
        return []
    runs = {r.id: (r.dag_id, r.run_id) for r in rows}
    moved = transitions.run_each(c, _RESUME, [
        {"t_id": r.id, "t_n": r.try_number, "b_trigger": r.trigger_id,
         "b_kwargs": {**(r.next_kwargs or {}), "event": events[r.trigger_id]}} for r in rows])
    return [runs[i] for i, _ in moved]


_RESUME = transitions.ti_statement(
    [TS.DEFERRED], TS.SCHEDULED, where=[TIT.c.trigger_id == bindparam("b_trigger")],
    **continue_try_values(next_kwargs=bindparam("b_kwargs", type_=TI.next_kwargs.type)))


def end_from_trigger(c: Connection, trigger_id: int, state: str, now: datetime) -> list[tuple]:
    """A TaskSuccessEvent / TaskFailedEvent / TaskSkippedEvent: the TIs end at once."""
    rows = c.execute(select(TI.id, TI.dag_id, TI.run_id, TI.try_number, TI.start_date)
                     .where(TI.trigger_id == trigger_id, TI.state == TS.DEFERRED)).all()
    moved = []
    for row in rows:
        duration = (now - row.start_date).total_seconds() if row.start_date else None
        if transitions.move_ti(c, row.id, row.try_number, [TS.DEFERRED], state, end_date=now,
                               duration=duration, trigger_id=None, trigger_timeout=None,
                               next_method=None, next_kwargs=None):
            moved.append((row.dag_id, row.run_id))
    return moved


def fail_trigger(c: Connection, trigger_id: int, error: str, tb: list[str]) -> int:
    """The trigger raised (or could not be imported): its TIs resume to fail."""
    ids = c.scalars(select(TI.id).where(TI.trigger_id == trigger_id,
                                        TI.state == TS.DEFERRED)).all()
    return len(transitions.move_tis(
        c, ids, [TS.DEFERRED], TS.SCHEDULED, where=[TIT.c.trigger_id == trigger_id],
        **continue_try_values(next_method="__fail__",
                              next_kwargs={"error": error, "traceback": tb})))


def delete_unused_triggers(c: Connection) -> int:
    """Triggers no deferred TI waits on any more (fired, timed out, cleared)."""
    waited = select(TI.trigger_id).where(TI.state == TS.DEFERRED, TI.trigger_id.is_not(None))
    return c.execute(Trigger.__table__.delete().where(
        Trigger.__table__.c.id.not_in(waited))).rowcount
