"""Every state write of task instances and DAG runs, checked against `states.TI_MOVES` /
`states.RUN_MOVES` and guarded in SQL, so a move made meanwhile by another process wins:

    UPDATE task_instances SET state = :to, ... WHERE id IN (...) AND state IN (:expected)
           [AND try_number = :n] RETURNING id, try_number

and the caller learns exactly what moved. Two shapes, both reporting the rows moved:

- `move_tis` / `move_runs`: one statement for a set of ids (batches of 500), built per
  call; for the scheduler's group moves and the API;
- `ti_statement` + `run_each`: a statement prebuilt once at import (constructing one costs
  more than running it) and run per row with its own parameters; for the per-try writes
  of the fork server and task processes (`:t_id`, `:t_n` and the caller's bindparams).

Works on a Session or a Connection (Core statements; ORM objects are not refreshed —
`sync()` sets the values on loaded objects without another UPDATE).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Update, bindparam, or_
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crosswind.errors import Conflict
from crosswind.models import DagRun, TaskInstance
from crosswind.states import check_run_moves, check_ti_moves

TIT = TaskInstance.__table__
RUNT = DagRun.__table__
CHUNK = 500
Moved = tuple[int, int]  # (ti id, try_number) after the move


def _v(state: Any) -> str | None:
    return state.value if isinstance(state, enum.Enum) else state


def _state_in(column: Any, expected: Iterable[Any]) -> ColumnElement[bool]:
    values = {_v(s) for s in expected}
    named = sorted(s for s in values if s is not None)
    parts = [column.in_(named)] if named else []
    if None in values:
        parts.append(column.is_(None))
    return or_(*parts) if len(parts) > 1 else parts[0]


def ti_statement(expected: Iterable[Any], to: Any, *, where: Sequence[Any] = (),
                 **values: Any) -> Update:
    """A guarded per-row move, `WHERE id = :t_id AND state IN expected AND try_number = :t_n`
    (plus `where`), checked against the table now, once."""
    expected = list(expected)
    check_ti_moves(expected, _v(to))
    return (TIT.update()
            .where(TIT.c.id == bindparam("t_id"), _state_in(TIT.c.state, expected),
                   TIT.c.try_number == bindparam("t_n"), *where)
            .values(state=_v(to), **values)
            .returning(TIT.c.id, TIT.c.try_number))


def run_each(c: Session | Any, stmt: Update, params: Iterable[Mapping[str, Any]]) -> list[Moved]:
    """Run a prebuilt `ti_statement` once per parameter set; the rows that moved."""
    moved: list[Moved] = []
    for p in params:
        row = c.execute(stmt, p).first()
        if row is not None:
            moved.append((row[0], row[1]))
    return moved


def move_tis(c: Session | Any, ids: Iterable[int], expected: Iterable[Any], to: Any, *,
             at_try: int | None = None, where: Sequence[Any] = (),
             **values: Any) -> list[Moved]:
    """Move the task instances `ids` that are in one of the `expected` states (and at try
    `at_try`, when given) to `to`, setting `values` too; returns what moved."""
    expected = list(expected)
    check_ti_moves(expected, _v(to))
    ids = list(ids)
    guard = [_state_in(TIT.c.state, expected), *where]
    if at_try is not None:
        guard.append(TIT.c.try_number == at_try)
    moved: list[Moved] = []
    for i in range(0, len(ids), CHUNK):
        stmt = (TIT.update().where(TIT.c.id.in_(ids[i:i + CHUNK]), *guard)
                .values(state=_v(to), **values).returning(TIT.c.id, TIT.c.try_number))
        moved += [(r[0], r[1]) for r in c.execute(stmt).all()]
    return moved


def move_ti(c: Session | Any, ti_id: int, at_try: int, expected: Iterable[Any], to: Any,
            **values: Any) -> bool:
    """One try's move (guarded on its try number); True if it moved."""
    return bool(move_tis(c, [ti_id], expected, to, at_try=at_try, **values))


def move_runs(c: Session | Any, ids: Iterable[int], expected: Iterable[Any], to: Any,
              **values: Any) -> list[int]:
    """Move the DAG runs `ids` (primary keys) that are in one of `expected` to `to`."""
    expected = [_v(s) for s in expected]
    check_run_moves(expected, _v(to))
    ids = list(ids)
    moved: list[int] = []
    for i in range(0, len(ids), CHUNK):
        stmt = (RUNT.update().where(RUNT.c.id.in_(ids[i:i + CHUNK]), RUNT.c.state.in_(expected))
                .values(state=_v(to), **values).returning(RUNT.c.id))
        moved += [r[0] for r in c.execute(stmt).all()]
    return moved


def sync(obj: Any, **values: Any) -> None:
    """Set `values` on a loaded ORM object as already written (no second UPDATE)."""
    for key, value in values.items():
        set_committed_value(obj, key, _v(value))


def move_loaded_tis(session: Session, tis: Iterable[Any], to: Any, **values: Any) -> None:
    """Move loaded TaskInstance objects from the state and try each was read with (API
    clear, run now, set state); raises Conflict if one changed meanwhile (another
    process moved it after we read it: the caller's request is then retried by the user)."""
    groups: dict[tuple[Any, int], list[Any]] = defaultdict(list)
    for ti in tis:
        groups[(ti.state, ti.try_number)].append(ti)
    for (state, n), group in groups.items():
        moved = {i for i, _ in move_tis(session, [ti.id for ti in group], [state], to,
                                         at_try=n, **values)}
        for ti in group:
            if ti.id not in moved:
                raise Conflict(f"Task instance {ti.task_id!r} of run {ti.run_id!r} changed "
                               "state meanwhile; try again")
            sync(ti, state=to, **values)


def move_loaded_run(run: Any, to: Any, **values: Any) -> None:
    """Move a loaded DagRun object from the state it was read with (API, clears)."""
    session = Session.object_session(run)
    assert session is not None, "the run must belong to a session"
    if not move_runs(session, [run.id], [run.state], to, **values):
        raise Conflict(f"DAG run {run.run_id!r} changed state meanwhile; try again")
    sync(run, state=to, **values)
