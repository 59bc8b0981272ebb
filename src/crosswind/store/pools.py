"""Pools and their live occupancy, computed from task instances.

Occupied = running + queued (+ deferred when the pool has `include_deferred`), each task
instance counting its `pool_slots`; open = slots - occupied (-1 slots = unlimited: open -1).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.orm import Session

from crosswind.errors import AlreadyExists, InvalidInput, NotFound
from crosswind.models import Pool, TaskInstance
from crosswind.models.pool import DEFAULT_POOL

COUNTED_STATES = ("running", "queued", "scheduled", "deferred")


# The columns a response needs: a column select is several times cheaper than ORM entities.
COLUMNS = select(Pool.pool, Pool.slots, Pool.description, Pool.include_deferred)


def get_row(db: Session | Connection, name: str) -> Any:
    """The pool `name` as a row of COLUMNS (read-only routes)."""
    row = db.execute(COLUMNS.where(Pool.pool == name)).first()
    if row is None:
        raise NotFound(f"Pool with name:'{name}' not found")
    return row


def get(session: Session, name: str) -> Pool:
    pool = session.scalars(select(Pool).where(Pool.pool == name)).first()
    if pool is None:
        raise NotFound(f"Pool with name:'{name}' not found")
    return pool


def create(
    session: Session, name: str, slots: int, description: str | None, include_deferred: bool
) -> Pool:
    if session.scalar(select(Pool.id).where(Pool.pool == name)) is not None:
        raise AlreadyExists(f"Pool: {name} already exists")
    pool = Pool(pool=name, slots=slots, description=description,
                include_deferred=include_deferred)
    session.add(pool)
    session.flush()
    return pool


def rename(session: Session, pool: Pool, new_name: str) -> None:
    if new_name == pool.pool:
        return
    if pool.pool == DEFAULT_POOL:
        raise InvalidInput("Default Pool's name can't be modified")
    if session.scalar(select(Pool.id).where(Pool.pool == new_name)) is not None:
        raise AlreadyExists(f"Pool: {new_name} already exists")
    pool.pool = new_name


def remove(session: Session, name: str) -> None:
    if name == DEFAULT_POOL:
        raise InvalidInput("Default Pool can't be deleted")
    if session.execute(delete(Pool).where(Pool.pool == name)).rowcount == 0:
        raise NotFound(f"Pool with name:'{name}' not found")


_USAGE = (
    select(TaskInstance.pool, TaskInstance.state, func.sum(TaskInstance.pool_slots))
    .where(
        TaskInstance.state.in_(COUNTED_STATES),
        TaskInstance.pool.in_(bindparam("names", expanding=True)),
    )
    .group_by(TaskInstance.pool, TaskInstance.state)
)


def usage(db: Session | Connection, names: Iterable[str]) -> dict[str, dict[str, int]]:
    """Slots in use per pool and state, one grouped query for all `names`."""
    names = list(names)
    out: dict[str, dict[str, int]] = {n: {} for n in names}
    if not names:
        return out
    for pool, state, total in db.execute(_USAGE, {"names": names}):
        out[pool][state] = int(total or 0)
    return out


def slot_figures(pool: Any, used: dict[str, int]) -> dict[str, Any]:
    running, queued = used.get("running", 0), used.get("queued", 0)
    deferred, scheduled = used.get("deferred", 0), used.get("scheduled", 0)
    occupied = running + queued + (deferred if pool.include_deferred else 0)
    open_slots = -1 if pool.slots == -1 else pool.slots - occupied
    return {
        "occupied_slots": occupied,
        "running_slots": running,
        "queued_slots": queued,
        "scheduled_slots": scheduled,
        "deferred_slots": deferred,
        "open_slots": open_slots,
    }
