"""DAG-level on_success_callback / on_failure_callback run by the real engine when a run
ends, in a process of their own (not the scheduler's), with Airflow's context."""

from __future__ import annotations

import json
import time
from pathlib import Path

from execution.engine_helpers import engine_fixtures, trigger, wait_run
from support.servers import Server

DAGS = Path(__file__).parent / "dags_callbacks"


engine, api = engine_fixtures(DAGS, "callbacks")


def _written(engine: Server, dag_id: str, timeout: float = 60) -> dict:
    path = Path(engine.home) / "callback_out" / f"{dag_id}.json"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass  # being written
        time.sleep(0.05)
    raise AssertionError(f"the callback of {dag_id} wrote nothing")


def test_success_callback_gets_the_context(engine, api):
    run_id = trigger(api, "cb_success")
    assert wait_run(api, "cb_success", run_id) == "success"
    got = _written(engine, "cb_success")
    assert got["reason"] == "success" and got["state"] == "success"
    assert got["run_id"] == run_id and got["dag_id"] == "cb_success"
    assert got["ti_task_id"] == "hello" and got["param"] == "me"
    assert len(got["ds"]) == 10
    assert got["pid"] != engine.proc.pid  # not the standalone/scheduler process


def test_failure_callbacks_run_even_after_one_fails(engine, api):
    run_id = trigger(api, "cb_failure")
    assert wait_run(api, "cb_failure", run_id) == "failed"
    got = _written(engine, "cb_failure")
    assert got["reason"] == "task_failure" and got["state"] == "failed"
    log = (Path(engine.home) / "logs" / "dag_callbacks" / "dag_id=cb_failure"
           / f"run_id={run_id}.log")
    text = log.read_text()
    assert "this callback is broken on purpose" in text, text
    assert api.get(f"/dags/cb_failure/dagRuns/{run_id}").json()["state"] == "failed"


def test_timeout_reason(engine, api):
    run_id = trigger(api, "cb_timeout")
    assert wait_run(api, "cb_timeout", run_id, timeout=60) == "failed"
    assert _written(engine, "cb_timeout")["reason"] == "timed_out"
