"""End to end through the API with real task processes: success, templating and conf,
failures and retries, trigger rules, branching, short-circuit, timeouts, pools, XCom
between TaskFlow tasks, logs, masking of secrets."""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path

from engine_helpers import log_text, task_instances, task_states, trigger, wait_run, wait_ti


def test_success_with_templating_conf_and_logs(api):
    run_id = trigger(api, "e2e_basic", conf={"x": "42"})
    assert wait_run(api, "e2e_basic", run_id) == "success"
    tis = task_instances(api, "e2e_basic", run_id)
    assert {t: ti["state"] for t, ti in tis.items()} == {"hello": "success", "show": "success"}
    assert tis["hello"]["try_number"] == 1
    assert tis["hello"]["rendered_fields"]["bash_command"].startswith("echo ds=")
    log = log_text(api, "e2e_basic", run_id, "hello", 1)
    run = api.get(f"/dags/e2e_basic/dagRuns/{run_id}").json()
    ds = run["logical_date"][:10]
    assert f"ds={ds} x=42 who=world" in log
    xcom = api.get(f"/dags/e2e_basic/dagRuns/{run_id}/taskInstances/show/xcomEntries/"
                   "return_value").json()
    assert "42" in str(xcom["value"])
    assert tis["show"]["start_date"] >= tis["hello"]["end_date"]


def test_retries_then_success_and_upstream_failed(api):
    run_id = trigger(api, "e2e_retry")
    assert wait_run(api, "e2e_retry", run_id) == "failed"
    tis = task_instances(api, "e2e_retry", run_id)
    assert (tis["flaky"]["state"], tis["flaky"]["try_number"]) == ("success", 2)
    assert (tis["broken"]["state"], tis["broken"]["try_number"]) == ("failed", 2)
    assert tis["after_broken"]["state"] == "upstream_failed"
    assert "flaky failure on try 1" in log_text(api, "e2e_retry", run_id, "flaky", 1)
    assert "ValueError: always broken" in log_text(api, "e2e_retry", run_id, "broken", 2)


def test_every_trigger_rule(api):
    run_id = trigger(api, "e2e_trigger_rules")
    wait_run(api, "e2e_trigger_rules", run_id)
    assert task_states(api, "e2e_trigger_rules", run_id) == {
        "ok": "success", "boom": "failed", "skipper": "skipped",
        "after_all_success": "upstream_failed", "after_all_failed": "skipped",
        "after_all_done": "success", "after_one_success": "success",
        "after_one_failed": "success", "after_none_failed": "upstream_failed",
        "after_none_skipped": "success", "after_always": "success",
        "after_none_failed_min_one_success": "upstream_failed",
        "after_skip_all_skipped": "success", "after_skip_all_success": "skipped",
    }


def test_branching(api):
    run_id = trigger(api, "e2e_branching")
    assert wait_run(api, "e2e_branching", run_id) == "success"
    assert task_states(api, "e2e_branching", run_id) == {
        "choose": "success", "weekday": "success", "weekend": "skipped", "join": "success",
        "pick_many": "success", "b1": "success", "b2": "success", "b3": "skipped",
    }
    run_id = trigger(api, "e2e_branching", conf={"weekday": False})
    wait_run(api, "e2e_branching", run_id)
    states = task_states(api, "e2e_branching", run_id)
    assert (states["weekday"], states["weekend"], states["join"]) == (
        "skipped", "success", "success")


def test_short_circuit(api):
    run_id = trigger(api, "e2e_short_circuit")
    assert wait_run(api, "e2e_short_circuit", run_id) == "success"
    assert task_states(api, "e2e_short_circuit", run_id) == {
        "gate": "success", "after_gate": "skipped", "far": "skipped",
        "open_gate": "success", "runs": "success",
    }


def test_execution_timeout_fails_the_try_and_kills_its_command(api):
    run_id = trigger(api, "e2e_exec_timeout")
    assert wait_run(api, "e2e_exec_timeout", run_id) == "failed"
    ti = task_instances(api, "e2e_exec_timeout", run_id)["sleepy"]
    assert ti["state"] == "failed"
    assert ti["duration"] < 30
    log = log_text(api, "e2e_exec_timeout", run_id, "sleepy", 1)
    assert "AirflowTaskTimeout" in log
    bash_pid = int(re.search(r"BASHPID=(\d+)", log).group(1))
    assert not Path(f"/proc/{bash_pid}").exists() or "zombie" in Path(
        f"/proc/{bash_pid}/status").read_text()


def test_dagrun_timeout_fails_the_run(api):
    run_id = trigger(api, "e2e_run_timeout")
    assert wait_run(api, "e2e_run_timeout", run_id) == "failed"
    assert task_states(api, "e2e_run_timeout", run_id) == {"sleepy": "skipped"}


def test_pool_slots_are_never_exceeded(api):
    r = api.post("/pools", json={"name": "e2e_two", "slots": 2})
    assert r.status_code in (200, 409), r.text
    run_id = trigger(api, "e2e_pool")
    assert wait_run(api, "e2e_pool", run_id) == "success"
    spans = [(datetime.fromisoformat(ti["start_date"]), datetime.fromisoformat(ti["end_date"]))
             for ti in task_instances(api, "e2e_pool", run_id).values()]
    events = sorted([(s, 1) for s, _ in spans] + [(e, -1) for _, e in spans],
                    key=lambda x: (x[0], x[1]))
    running = peak = 0
    for _, delta in events:
        running += delta
        peak = max(peak, running)
    assert peak == 2


def test_xcom_between_taskflow_tasks(api):
    run_id = trigger(api, "e2e_taskflow")
    assert wait_run(api, "e2e_taskflow", run_id) == "success"
    base = f"/dags/e2e_taskflow/dagRuns/{run_id}/taskInstances"
    assert api.get(f"{base}/transform/xcomEntries/return_value").json()["value"] in (30, "30")
    extra = api.get(f"{base}/load/xcomEntries/extra").json()["value"]
    assert "pushed" in str(extra)
    assert "total=30" in log_text(api, "e2e_taskflow", run_id, "load", 1)


def test_secrets_are_masked_in_logs(api):
    secret_var, secret_pw = "var-s3cr3t-value-123", "conn-pa55word-xyz"
    api.post("/variables", json={"key": "e2e_api_key", "value": secret_var})
    api.post("/connections", json={"connection_id": "e2e_conn", "conn_type": "http",
                                   "host": "example.com", "password": secret_pw})
    run_id = trigger(api, "e2e_secrets")
    assert wait_run(api, "e2e_secrets", run_id) == "success", log_text(
        api, "e2e_secrets", run_id, "leak", 1)
    log = log_text(api, "e2e_secrets", run_id, "leak", 1)
    assert "variable: ***" in log and "password: ***" in log
    assert secret_var not in log and secret_pw not in log
    assert api.get("/variables/e2e_written_by_task").json()["value"] == "hello"


def test_log_is_readable_while_the_task_runs(api):
    run_id = trigger(api, "e2e_slow")
    wait_ti(api, "e2e_slow", run_id, "slow", {"running"})
    # The TI turns running when the try is claimed; its first log line follows a moment later.
    deadline = time.monotonic() + 10
    while "Starting attempt 1" not in (text := log_text(api, "e2e_slow", run_id, "slow", 1)):
        assert time.monotonic() < deadline, text
        time.sleep(0.05)
    ti = api.get(f"/dags/e2e_slow/dagRuns/{run_id}/taskInstances/slow").json()
    assert ti["state"] == "running"  # read while the task still runs
    assert wait_run(api, "e2e_slow", run_id) == "success"
    assert "Marking task as SUCCESS" in log_text(api, "e2e_slow", run_id, "slow", 1)
