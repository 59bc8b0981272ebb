"""Moves of deferred and rescheduled task instances, in one place.

A deferred or rescheduled TI goes back to `scheduled` to continue the SAME try (Airflow 2.11
does not count a reschedule or a deferral as a new try). Crosswind increments try_number
when it queues a TI, so a continuing TI goes to `scheduled` with try_number - 1 and the
queueing gives the number back, exactly as the orphan re-queue does (zombies.py): a
`scheduled` TI always shows the number of its last try.

Each move is one guarded UPDATE (`WHERE state = expected [AND try_number/trigger_id]`), the
shape issue 11's state-transition layer takes over.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from crosswind.models import TaskInstance, Trigger

TI = TaskInstance
TIMEOUT_KWARGS = {"error": "Trigger/execution timeout"}


def continue_try_values(**extra: Any) -> dict[str, Any]:
    """The values of a TI going back to `scheduled` to continue its try."""
    return {"state": "scheduled", "try_number": TI.try_number - 1, "trigger_id": None,
            "trigger_timeout": None, **extra}


def expire_deferrals(session: Session, now: datetime) -> tuple[int, datetime | None]:
    """deferred TIs whose trigger_timeout passed → scheduled to fail in `__fail__` (as
    Airflow's scheduler does); returns (how many, the next timeout still pending)."""
    n = session.execute(
        update(TI).where(TI.state == "deferred", TI.trigger_timeout < now)
        .values(**continue_try_values(next_method="__fail__", next_kwargs=TIMEOUT_KWARGS))
        .execution_options(synchronize_session=False)).rowcount
    nxt = session.scalar(select(func.min(TI.trigger_timeout)).where(TI.state == "deferred"))
    return n, nxt


def submit_events(c: Connection, events: dict[int, Any]) -> list[tuple]:
    """Triggers fired: their deferred TIs → scheduled with `event` (the encoded payload,
    events[trigger_id]) added to next_kwargs. One read and one executemany for the batch
    (a thousand triggers due at the same moment fire together); returns the moved TIs."""
    if not events:
        return []
    rows = c.execute(select(TI.id, TI.dag_id, TI.run_id, TI.try_number, TI.next_kwargs,
                            TI.trigger_id)
                     .where(TI.trigger_id.in_(list(events)), TI.state == "deferred")).all()
    if not rows:
        return []
    c.execute(_RESUME, [{"b_id": r.id, "b_n": r.try_number, "b_trigger": r.trigger_id,
                         "b_kwargs": {**(r.next_kwargs or {}), "event": events[r.trigger_id]}}
                        for r in rows])
    return [(r.dag_id, r.run_id) for r in rows]


_RESUME = update(TI).where(
    TI.id == bindparam("b_id"), TI.state == "deferred", TI.try_number == bindparam("b_n"),
    TI.trigger_id == bindparam("b_trigger"),
).values(**continue_try_values(next_kwargs=bindparam("b_kwargs", type_=TI.next_kwargs.type)))


def end_from_trigger(c: Connection, trigger_id: int, state: str, now: datetime) -> list[tuple]:
    """A TaskSuccessEvent / TaskFailedEvent / TaskSkippedEvent: the TIs end at once."""
    rows = c.execute(select(TI.id, TI.dag_id, TI.run_id, TI.try_number, TI.start_date)
                     .where(TI.trigger_id == trigger_id, TI.state == "deferred")).all()
    moved = []
    for row in rows:
        duration = (now - row.start_date).total_seconds() if row.start_date else None
        if c.execute(update(TI).where(
            TI.id == row.id, TI.state == "deferred", TI.try_number == row.try_number,
        ).values(state=state, end_date=now, duration=duration, trigger_id=None,
                 trigger_timeout=None, next_method=None, next_kwargs=None)).rowcount:
            moved.append((row.dag_id, row.run_id))
    return moved


def fail_trigger(c: Connection, trigger_id: int, error: str, tb: list[str]) -> int:
    """The trigger raised (or could not be imported): its TIs resume to fail."""
    return c.execute(update(TI).where(TI.trigger_id == trigger_id, TI.state == "deferred")
                     .values(**continue_try_values(
                         next_method="__fail__",
                         next_kwargs={"error": error, "traceback": tb}))).rowcount


def delete_unused_triggers(c: Connection) -> int:
    """Triggers no deferred TI waits on any more (fired, timed out, cleared)."""
    waited = select(TI.trigger_id).where(TI.state == "deferred", TI.trigger_id.is_not(None))
    return c.execute(Trigger.__table__.delete().where(
        Trigger.__table__.c.id.not_in(waited))).rowcount
