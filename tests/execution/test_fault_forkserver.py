"""Fault test: kill -9 of the local fork server mid-run, twice, and of a try whose fork
server is gone, in a real `crosswind standalone`. The DAG's tasks count their own
executions into a file; at the end the run must have finished as its retries dictate
without a restart, with executions counted = tries recorded (task instance try numbers
and task_tries rows) and nothing stuck.

The heartbeat timeout is set far above the run's wait: recovery must come from the
executor seeing its fork server die and from the pid check on this host, not from it."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from engine_helpers import (
    copy_dags,
    log_text,
    running_standalone,
    task_instances,
    trigger,
    wait_run,
)
from sqlalchemy import create_engine, text

from support.servers import Server

DAGS = Path(__file__).parent / "dags_faults"
DAG_ID = "fault_counted"
FORK_SERVER = "crosswind.execution.forkserver"
T = TypeVar("T")
ENV = {"CROSSWIND_TASK_HEARTBEAT_TIMEOUT": "300", "CROSSWIND_PARALLELISM": "6"}


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def fork_servers(root: int) -> list[int]:
    """Fork servers under `root` (task processes are forks of one: same command line,
    but a fork server's parent is not one)."""
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        for child in tree.get(pid, []):
            if FORK_SERVER in _cmdline(child) and FORK_SERVER not in _cmdline(pid):
                found.append(child)
            todo.append(child)
    return found


def wait_for(what: str, check: Callable[[], T], timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Server]:
    copy_dags(DAGS, tmp_path)
    with running_standalone(backend, tmp_path, env=ENV) as srv:
        yield srv


def _states(api: httpx.Client, run_id: str) -> dict[str, dict]:
    return task_instances(api, DAG_ID, run_id)


def _running_slow(api: httpx.Client, run_id: str) -> dict[str, dict]:
    return {t: ti for t, ti in _states(api, run_id).items()
            if t.startswith("slow") and ti["state"] == "running" and ti["pid"]}


def test_kill_fork_server_mid_run_loses_and_doubles_nothing(engine: Server):
    home = engine.home
    root = engine.proc.pid
    with engine.client() as api:
        run_id = trigger(api, DAG_ID)
        # Fast tasks done, the first slow ones running (parallelism 6 keeps the rest waiting).
        wait_for("fast tasks done and slow ones running", lambda: all(
            ti["state"] == "success" for t, ti in _states(api, run_id).items()
            if t.startswith("fast")) and len(_running_slow(api, run_id)) >= 4)
        first = wait_for("a fork server", lambda: fork_servers(root))
        orphans = _running_slow(api, run_id)
        os.kill(first[0], signal.SIGKILL)

        # The executor recovers at once and starts a new fork server for the waiting tries.
        second = wait_for("a new fork server running more slow tries", lambda: [
            p for p in fork_servers(root) if p != first[0]
        ] if len(_running_slow(api, run_id)) > len(orphans) else None)
        os.kill(second[0], signal.SIGKILL)

        # A try of the first, dead fork server really dies: it must be retried, found by
        # its pid (the heartbeat timeout is 300 s).
        victim_task, victim = sorted(orphans.items())[0]
        os.kill(victim["pid"], signal.SIGKILL)
        wait_for(f"{victim_task} retried", lambda: _states(api, run_id)[victim_task][
            "try_number"] >= 2, timeout=90)

        (home / "gate").touch()
        assert wait_run(api, DAG_ID, run_id, timeout=120) == "success"
        tis = _states(api, run_id)

    assert {t: ti["state"] for t, ti in tis.items()} == dict.fromkeys(tis, "success")
    lines = (home / "executions.log").read_text().splitlines()
    executions = Counter(line.split()[0] for line in lines)
    assert len(set(lines)) == len(lines), "a try number ran twice"
    assert executions == {t: ti["try_number"] for t, ti in tis.items()}
    assert executions[victim_task] == 2
    assert sum(executions.values()) == len(tis) + 1  # only the killed try ran again
    engine_db = create_engine(engine.database_url)
    try:
        with engine_db.connect() as c:
            tries = Counter(row[0] for row in c.execute(text(
                "SELECT task_id FROM task_tries WHERE dag_id = :d"), {"d": DAG_ID}))
    finally:
        engine_db.dispose()
    assert tries == executions


def test_outcomes_sent_to_a_fork_server_that_dies_before_recording_them_are_kept(
        engine: Server):
    """The fork server is stopped (SIGSTOP) so it cannot commit what its tries report, the
    tries finish, then it is killed: every finished try must be recorded once, as the
    success it was, not lost and run again."""
    home = engine.home
    with engine.client() as api:
        run_id = trigger(api, DAG_ID)
        wait_for("slow tries running", lambda: len(_running_slow(api, run_id)) >= 4)
        running = _running_slow(api, run_id)
        server = wait_for("a fork server", lambda: fork_servers(engine.proc.pid))[0]
        os.kill(server, signal.SIGSTOP)
        (home / "gate").touch()
        # Each try has finished and written its outcome: it is waiting for the server.
        for task_id in running:
            wait_for(f"{task_id} finished", lambda t=task_id: "Marking task as SUCCESS" in
                     log_text(api, DAG_ID, run_id, t, 1))
        os.kill(server, signal.SIGKILL)
        assert wait_run(api, DAG_ID, run_id, timeout=120) == "success"
        tis = _states(api, run_id)
    executions = Counter(line.split()[0]
                         for line in (home / "executions.log").read_text().splitlines())
    assert {t: (ti["state"], ti["try_number"]) for t, ti in tis.items()} == dict.fromkeys(
        tis, ("success", 1))
    assert executions == dict.fromkeys(tis, 1)
