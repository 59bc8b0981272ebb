"""Graceful shutdown of a real `crosswind standalone`: Ctrl-C (SIGINT to its process
group) starts no new try and lets the running ones finish within
CROSSWIND_SHUTDOWN_GRACE_SECONDS; tries still running when the grace ends are given back
(scheduled again with the same try number, no retry used) and run after a restart. The
DAG's tasks count their own executions (dags_faults/fault_counted.py)."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from engine_helpers import copy_dags, running_standalone, task_instances, trigger, wait_run
from sqlalchemy import create_engine, text

from support.servers import Server

DAGS = Path(__file__).parent / "dags_faults"
DAG_ID = "fault_counted"
SLOW_RUNNING = 6  # CROSSWIND_PARALLELISM: the first six slow tasks run, four wait


def _engine(backend: str, home: Path, grace: str) -> Iterator[Server]:
    copy_dags(DAGS, home)
    env = {"CROSSWIND_PARALLELISM": str(SLOW_RUNNING), "CROSSWIND_SHUTDOWN_GRACE_SECONDS": grace}
    with running_standalone(backend, home, env=env) as srv:
        yield srv


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Server]:
    yield from _engine(backend, tmp_path, "60")


@pytest.fixture
def short_grace(backend: str, tmp_path: Path) -> Iterator[Server]:
    yield from _engine(backend, tmp_path, "1")


def _wait(what: str, check: Callable[[], object], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


def _start_slow_tries(srv: Server) -> str:
    with srv.client() as api:
        run_id = trigger(api, DAG_ID)
        _wait("six slow tries running", lambda: sum(
            1 for t, ti in task_instances(api, DAG_ID, run_id).items()
            if t.startswith("slow") and ti["state"] == "running") == SLOW_RUNNING)
    return run_id


def _ctrl_c(srv: Server) -> None:
    assert srv.proc is not None
    os.killpg(srv.proc.pid, signal.SIGINT)


def _rows(srv: Server) -> tuple[dict[str, tuple[str | None, int]], Counter[str]]:
    engine = create_engine(srv.database_url)
    try:
        with engine.connect() as c:
            tis = {r[0]: (r[1], r[2]) for r in c.execute(text(
                "SELECT task_id, state, try_number FROM task_instances WHERE dag_id = :d"),
                {"d": DAG_ID})}
            tries = Counter(r[0] for r in c.execute(text(
                "SELECT task_id FROM task_tries WHERE dag_id = :d"), {"d": DAG_ID}))
    finally:
        engine.dispose()
    return tis, tries


def _executions(home: Path) -> Counter[str]:
    return Counter(line.split()[0] for line in (home / "executions.log").read_text().splitlines())


def _finish_after_restart(srv: Server, run_id: str) -> dict[str, dict]:
    (srv.home / "gate").touch()
    srv.start()
    with srv.client() as api:
        assert wait_run(api, DAG_ID, run_id, timeout=120) == "success"
        return task_instances(api, DAG_ID, run_id)


def test_ctrl_c_lets_running_tries_finish_and_starts_no_new_one(engine: Server):
    run_id = _start_slow_tries(engine)
    running = {t for t, (state, _) in _rows(engine)[0].items() if state == "running"}
    _ctrl_c(engine)
    _wait("the scheduler draining", lambda: "letting 6 running tries finish" in engine.log())
    (engine.home / "gate").touch()
    assert engine.proc is not None
    engine.proc.wait(timeout=60)

    tis, tries = _rows(engine)
    assert {t: tis[t] for t in running} == dict.fromkeys(running, ("success", 1))
    waiting = {t for t in tis if t.startswith("slow")} - running
    assert {tis[t][1] for t in waiting} == {0}  # never started during the shutdown
    assert tries == dict.fromkeys(tries, 1) and set(tries) == set(tis) - waiting

    final = _finish_after_restart(engine, run_id)
    assert {t: (ti["state"], ti["try_number"]) for t, ti in final.items()} == dict.fromkeys(
        final, ("success", 1))
    assert _executions(engine.home) == dict.fromkeys(final, 1)


def test_tries_still_running_after_the_grace_are_given_back(short_grace: Server):
    srv = short_grace
    run_id = _start_slow_tries(srv)
    running = {t for t, (state, _) in _rows(srv)[0].items() if state == "running"}
    _ctrl_c(srv)
    assert srv.proc is not None
    srv.proc.wait(timeout=60)

    tis, tries = _rows(srv)
    # Scheduled again with the try number given back; the interrupted part left no try row.
    assert {t: tis[t] for t in running} == dict.fromkeys(running, ("scheduled", 0))
    assert not set(tries) & running

    final = _finish_after_restart(srv, run_id)
    assert {t: (ti["state"], ti["try_number"]) for t, ti in final.items()} == dict.fromkeys(
        final, ("success", 1))
    executions = _executions(srv.home)
    # The interrupted tries ran again under the same try number, nothing else twice.
    assert executions == {t: 2 if t in running else 1 for t in final}
