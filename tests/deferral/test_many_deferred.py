"""500 deferred tasks (user triggers, released together) waiting at once in one
triggerer, and a triggerer killed with -9 while tasks wait: standalone restarts it and
every task still finishes, once."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest
from helpers import ENV, install, query, tis, tree_memory_mib, trigger, wait_run

from support.servers import Server


def _standalone(tmp_path, **env: str) -> Server:
    install(tmp_path, ["defer_many", "waiting_triggers"])
    return Server(tmp_path, f"sqlite:///{tmp_path / 'crosswind.db'}", command="standalone",
                  env={**ENV, **env}).start()


def _wait_all_deferred(api, run_id: str, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = Counter(ti["state"] for ti in _all_tis(api, run_id))
        if states.get("deferred") == count:
            return
        time.sleep(0.2)
    raise AssertionError(f"not all deferred: {states}")


def _all_tis(api, run_id: str) -> list[dict]:
    out, offset = [], 0
    while True:
        page = api.get(f"/dags/defer_many/dagRuns/{run_id}/taskInstances",
                       params={"limit": 100, "offset": offset}).json()["task_instances"]
        out += page
        if len(page) < 100:
            return out
        offset += 100


@pytest.fixture
def many(tmp_path):
    srv = _standalone(tmp_path, DEFER_MANY_COUNT="500", CROSSWIND_PARALLELISM="32")
    try:
        yield srv
    finally:
        srv.stop()


def test_500_deferred_tasks_wait_at_once_without_slots(many):
    with many.client() as api:
        run_id = trigger(api, "defer_many")
        _wait_all_deferred(api, run_id, 500, timeout=120)
        # All 500 wait in the triggerer: no task process, no executor or pool slot.
        pools = api.get("/pools/default_pool").json()
        assert pools["running_slots"] == 0 and pools["queued_slots"] == 0, pools
        rss, pss, procs = tree_memory_mib(many.proc.pid)
        print(f"\n500 deferred tasks waiting: whole standalone tree {procs} processes, "
              f"RSS {rss:.0f} MiB, PSS {pss:.0f} MiB")
        assert procs < 20  # no process per waiting task
        (many.home / "release").touch()
        assert wait_run(api, "defer_many", run_id, timeout=180) == "success"
        final = _all_tis(api, run_id)
        assert len(final) == 500
        assert {(ti["state"], ti["try_number"]) for ti in final} == {("success", 1)}


def test_triggerer_killed_with_minus_9_is_restarted_and_loses_nothing(tmp_path):
    srv = _standalone(tmp_path, DEFER_MANY_COUNT="20")
    try:
        with srv.client() as api:
            run_id = trigger(api, "defer_many")
            _wait_all_deferred(api, run_id, 20, timeout=60)
            deadline = time.monotonic() + 20
            while query(tmp_path, "SELECT count(*) FROM triggers WHERE triggerer_id IS NULL")[0][0]:
                assert time.monotonic() < deadline, "triggers never claimed"
                time.sleep(0.1)
            (job_id, pid), = query(tmp_path, "SELECT id, pid FROM jobs WHERE "
                                   "job_type = 'triggerer' AND state = 'running'")
            os.kill(pid, signal.SIGKILL)
            (tmp_path / "release").touch()
            assert wait_run(api, "defer_many", run_id, timeout=90) == "success"
            final = tis(api, "defer_many", run_id)
            assert {(ti["state"], ti["try_number"]) for ti in final.values()} == {("success", 1)}
            jobs = query(tmp_path, "SELECT id, state FROM jobs WHERE job_type = 'triggerer' "
                         "ORDER BY id")
            assert jobs[0] == (job_id, "failed") and len(jobs) == 2, jobs
            tries = query(tmp_path, "SELECT count(*), max(try_number) FROM task_tries")
            assert tries == [(20, 1)]
    finally:
        srv.stop()
