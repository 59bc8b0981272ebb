"""Mapped tasks in the scheduler: expansion into map indexes and per-index decisions.

A mapped task's run starts with one TI at map_index -1. When its trigger rule says run,
`expand()` reads how many indexes it has (the serialized `expand_input` spec: literal
lengths, or the upstream XComs'), then turns that TI into map_index 0 and inserts 1..n-1,
all `scheduled`, in the same transaction. n = 0 skips it; an upstream value that cannot
be mapped over (none, not a list or dict) makes it upstream_failed. From then on each index
has its own state and retries; downstream trigger rules see every index's state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crosswind.models import TaskInstance, XCom
from crosswind.scheduling.dag_cache import DagInfo
from crosswind.scheduling.task_instances import TIRow
from crosswind.states import TI_FINISHED, TaskState
from crosswind.store import transitions

TS = TaskState

TI = TaskInstance
WAITING = frozenset({"up_for_retry", "up_for_reschedule"})


@dataclass
class MapLengthReader:
    """Lengths of upstream XComs of one run, read from the database when first asked."""

    session: Session
    info: DagInfo
    dag_id: str
    run_id: str

    def length(self, spec: dict[str, Any]) -> int | None:
        if "literal" in spec:
            return int(spec["literal"])
        if "zip" in spec:
            parts = [self.length(s) for s in spec["zip"]]
            if any(p is None for p in parts):
                return None
            return (max if spec.get("longest") else min)(parts)  # type: ignore[type-var]
        return self._xcom_length(spec["xcom"], spec.get("key") or "return_value")

    def _xcom_length(self, task_id: str, key: str) -> int | None:
        where = (XCom.dag_id == self.dag_id, XCom.run_id == self.run_id,
                 XCom.task_id == task_id, XCom.key == key)
        if expands(self.info.tasks.get(task_id) or {}):
            return int(self.session.scalar(
                select(func.count()).select_from(XCom).where(*where, XCom.map_index >= 0)) or 0)
        value = self.session.scalar(select(XCom.value).where(*where, XCom.map_index == -1))
        return len(value) if isinstance(value, list | dict) else None

    def total(self, task: dict[str, Any]) -> int | None:
        spec = task.get("expand_input") or {}
        lengths = [self.length(s) for s in (spec.get("lengths") or {}).values()]
        if not lengths or any(n is None for n in lengths):
            return None
        n = 1
        for part in lengths:
            n *= part  # type: ignore[operator]
        return n


def expand(session: Session, reader: MapLengthReader, task: dict[str, Any], ti_id: int
           ) -> str:
    """Expand the map_index -1 TI `ti_id` (state none); returns the task's state now:
    scheduled (n >= 1 indexes made), skipped (n = 0) or upstream_failed."""
    n = reader.total(task)
    if n is None:
        return TS.UPSTREAM_FAILED
    if n == 0:
        return TS.SKIPPED
    make_indexes(session, ti_id, n, TS.SCHEDULED)  # False: someone else expanded it
    return TS.SCHEDULED


def make_indexes(session: Session, ti_id: int, n: int, state: TaskState | None) -> bool:
    """The map_index -1 TI `ti_id` becomes index 0 and indexes 1..n-1 are inserted, all in
    `state`; False when another scheduler expanded it first."""
    if state is None:  # not a state move (a mapped group's task waiting): only the index
        won = bool(session.execute(
            update(TI).where(TI.id == ti_id, TI.state.is_(None), TI.map_index == -1)
            .values(map_index=0).execution_options(synchronize_session=False)).rowcount)
    else:
        won = bool(transitions.move_tis(session, [ti_id], [None], state,
                                        where=[transitions.TIT.c.map_index == -1],
                                        map_index=0))
    if not won:
        return False
    add_indexes(session, ti_id, range(1, n), state)
    return True


def add_indexes(session: Session, like_id: int, indexes: range | list[int],
                state: str | None) -> None:
    """Insert map indexes `indexes` of the task of TI `like_id`, copying its settings."""
    columns = ("dag_id", "run_id", "task_id", "max_tries", "pool", "pool_slots", "queue",
               "priority_weight", "operator")
    first = session.execute(
        select(*(getattr(TI, c) for c in columns)).where(TI.id == like_id)).one()
    base = dict(zip(columns, first, strict=True))
    value = None if state is None else TaskState(state).value
    rows = [{**base, "map_index": i, "state": value, "try_number": 0} for i in indexes]
    for i in range(0, len(rows), 500):
        session.execute(TI.__table__.insert(), rows[i : i + 500])


def expands(task: dict[str, Any]) -> bool:
    """A task that runs as map indexes: a mapped task, or a task of a mapped task group
    (scheduling/mapped_groups.py)."""
    return bool(task.get("is_mapped") or task.get("mapped_group"))


def decide_indexes(
    expanded: dict[str, list[TIRow]],
    verdict_of: Callable[[str, int], str | None],
    now: datetime,
) -> list[tuple[TIRow, str]]:
    """(index, new state) for map indexes this tick moves: a due retry or poke goes back
    to scheduled; an index with no state (cleared, or a task of a mapped group) follows
    `verdict_of(task_id, map_index)` (its trigger rule; None: wait)."""
    moves: list[tuple[TIRow, str]] = []
    for task_id, rows in expanded.items():
        for row in rows:
            if row.state in WAITING and (row.next_retry_at is None or row.next_retry_at <= now):
                moves.append((row, TS.SCHEDULED))
            elif row.state is None:
                verdict = verdict_of(task_id, row.map_index)
                if verdict is not None:
                    moves.append((row, TS.SCHEDULED if verdict == "run" else verdict))
    return moves


def summary(states: list[str | None]) -> str | None:
    """One state standing for all indexes of a task, for the run's outcome: an unfinished
    index's state while any runs, else failed / success / skipped."""
    states = [s for s in states if s != "removed"] or states  # a clear made fewer
    for state in states:
        if state not in TI_FINISHED:
            return state
    for state in ("failed", "upstream_failed", "success"):
        if state in states:
            return state
    return states[0] if states else "skipped"
