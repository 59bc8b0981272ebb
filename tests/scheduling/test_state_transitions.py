"""The table of allowed moves (states.TI_MOVES / RUN_MOVES) and the guarded writes of
store.transitions on a real database (SQLite, and PostgreSQL when configured): illegal
moves are refused before any SQL runs, a guarded move reports exactly what moved, and a
move whose expected state or try number no longer holds moves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from crosswind.db.engine import Database
from crosswind.db.migrate import migrate
from crosswind.models import DagRun, TaskInstance
from crosswind.states import (
    RUN_MOVES,
    TI_MOVES,
    IllegalTransition,
    RunState,
    TaskState,
    check_run_moves,
    check_ti_moves,
)
from crosswind.store import transitions
from support.databases import database_for

TS = TaskState
NOW = datetime(2026, 1, 1, tzinfo=UTC)

ILLEGAL_TI = [
    (TS.SUCCESS, TS.RUNNING),  # a finished try never runs again without a clear
    (TS.FAILED, TS.QUEUED),
    (None, TS.RUNNING),  # only a queued try starts
    (TS.SCHEDULED, TS.RUNNING),
    (None, TS.QUEUED),
    (TS.RUNNING, None),  # a busy TI is cleared through restarting
    (TS.QUEUED, None),
    (TS.UP_FOR_RETRY, TS.RUNNING),
    (TS.DEFERRED, TS.RUNNING),
    (TS.RESTARTING, TS.RUNNING),
    (TS.UPSTREAM_FAILED, TS.UP_FOR_RETRY),
]
LEGAL_TI = [
    (None, TS.SCHEDULED), (TS.SCHEDULED, TS.QUEUED), (TS.QUEUED, TS.RUNNING),
    (TS.RUNNING, TS.SUCCESS), (TS.RUNNING, TS.UP_FOR_RETRY), (TS.UP_FOR_RETRY, TS.SCHEDULED),
    (TS.RUNNING, TS.DEFERRED), (TS.DEFERRED, TS.SCHEDULED), (TS.QUEUED, TS.SCHEDULED),
    (TS.RUNNING, TS.RESTARTING), (TS.RESTARTING, None), (TS.SUCCESS, None),
    (TS.FAILED, TS.SUCCESS), (None, TS.UPSTREAM_FAILED), (TS.RUNNING, TS.SCHEDULED),
]


@pytest.mark.parametrize(("old", "new"), ILLEGAL_TI)
def test_illegal_task_instance_moves_are_refused(old, new):
    with pytest.raises(IllegalTransition):
        check_ti_moves([old], new)


@pytest.mark.parametrize(("old", "new"), LEGAL_TI)
def test_legal_task_instance_moves_pass(old, new):
    check_ti_moves([old], new)


def test_one_illegal_source_refuses_the_whole_move():
    with pytest.raises(IllegalTransition):
        check_ti_moves([TS.QUEUED, TS.SUCCESS], TS.RUNNING)


def test_the_table_covers_every_state_and_only_known_states():
    assert set(TI_MOVES) == {None, *TaskState}
    assert all(to is None or isinstance(to, TaskState)
               for targets in TI_MOVES.values() for to in targets)
    assert set(RUN_MOVES) == set(RunState)


@pytest.mark.parametrize(("old", "new"), [(RunState.SUCCESS, RunState.SUCCESS),
                                          (RunState.QUEUED, RunState.RUNNING),
                                          (RunState.FAILED, RunState.QUEUED)])
def test_run_moves(old, new):
    check_run_moves([old], new)


def test_unknown_states_are_refused():
    with pytest.raises(ValueError):
        check_ti_moves(["sleeping"], TS.RUNNING)
    with pytest.raises(ValueError):
        check_run_moves([RunState.RUNNING], "paused")


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with database_for(request.param, tmp_path) as url:
        database = Database(url)
        migrate(database.engine)
        yield database
        database.dispose()


def _add(db: Database, states: list[str | None]) -> list[int]:
    with db.write() as s:
        s.add(DagRun(dag_id="d", run_id="r", logical_date=NOW, state="running", run_type="manual"))
        tis = [TaskInstance(dag_id="d", run_id="r", task_id=f"t{i}", state=st, try_number=1)
               for i, st in enumerate(states)]
        s.add_all(tis)
        s.flush()
        return [ti.id for ti in tis]


def _states(db: Database) -> dict[int, tuple[str | None, int]]:
    with db.read() as s:
        return {r.id: (r.state, r.try_number)
                for r in s.execute(select(TaskInstance.id, TaskInstance.state,
                                          TaskInstance.try_number))}


def test_guarded_move_reports_what_moved(db):
    ids = _add(db, ["queued", "running", None])
    with db.write() as s:
        moved = transitions.move_tis(s, ids, [TS.QUEUED], TS.RUNNING, at_try=1)
    assert moved == [(ids[0], 1)]
    assert _states(db)[ids[0]] == ("running", 1)
    assert _states(db)[ids[2]] == (None, 1)


def test_stale_try_number_moves_nothing(db):
    ids = _add(db, ["running"])
    with db.write() as s:
        assert not transitions.move_ti(s, ids[0], 2, [TS.RUNNING], TS.SUCCESS)
    assert _states(db)[ids[0]] == ("running", 1)


def test_none_is_a_state_to_expect(db):
    ids = _add(db, [None, "success"])
    with db.write() as s:
        moved = transitions.move_tis(s, ids, [None], TS.SCHEDULED)
    assert moved == [(ids[0], 1)]


def test_illegal_move_runs_no_sql(db):
    ids = _add(db, ["success"])
    with pytest.raises(IllegalTransition), db.write() as s:
        transitions.move_tis(s, ids, [TS.SUCCESS], TS.RUNNING)
    assert _states(db)[ids[0]] == ("success", 1)


def test_prebuilt_statement_moves_per_row(db):
    ids = _add(db, ["queued", "queued"])
    stmt = transitions.ti_statement([TS.QUEUED], TS.SCHEDULED,
                                    try_number=transitions.TIT.c.try_number - 1)
    with db.write_connection() as c:
        moved = transitions.run_each(c, stmt, [{"t_id": ids[0], "t_n": 1},
                                               {"t_id": ids[1], "t_n": 7}])
    assert moved == [(ids[0], 0)]  # RETURNING gives the values after the move
    assert _states(db) == {ids[0]: ("scheduled", 0), ids[1]: ("queued", 1)}


def test_run_moves_are_guarded(db):
    _add(db, [])
    with db.read() as s:
        run_pk = s.scalar(select(DagRun.id))
    with db.write() as s:
        assert transitions.move_runs(s, [run_pk], [RunState.QUEUED], RunState.RUNNING) == []
        assert transitions.move_runs(s, [run_pk], [RunState.RUNNING], RunState.SUCCESS,
                                     end_date=NOW) == [run_pk]
