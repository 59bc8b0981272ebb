"""Setup and teardown tasks end to end with real task processes (SQLite and PostgreSQL):
the teardown runs when the work fails and the run fails; a failed teardown leaves the run
successful unless on_failure_fail_dagrun; a failed setup fails its work upstream; clearing
a work task brings back its setup and teardown. Expected states were checked on Airflow
2.11.2 with dag.test() over the same DAG files (tests/execution/dags_setup)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from engine_helpers import (
    engine_fixtures,
    log_text,
    task_instances,
    task_states,
    trigger,
    wait_run,
)

from support.cluster import wait_for
from support.servers import ADMIN, Server

DAGS = Path(__file__).parent / "dags_setup"


engine, api = engine_fixtures(DAGS, "setup")


def run_to_end(api: httpx.Client, dag_id: str, conf: dict | None = None) -> tuple[str, str]:
    run_id = trigger(api, dag_id, conf)
    return run_id, wait_run(api, dag_id, run_id)


def test_failing_work_still_runs_the_teardown_and_fails_the_run(api):
    run_id, state = run_to_end(api, "st_scratch_space", {"fail_work": True})
    assert state == "failed"
    assert task_states(api, "st_scratch_space", run_id) == {
        "make_scratch": "success", "fill": "failed", "drop_scratch": "success"}
    # The teardown got the setup's XCom and really cleaned up after the failed work.
    log = log_text(api, "st_scratch_space", run_id, "drop_scratch", 1)
    assert "removed /" in log and "exists=False" in log


def test_a_clean_run_succeeds(api):
    run_id, state = run_to_end(api, "st_scratch_space")
    assert state == "success"
    assert set(task_states(api, "st_scratch_space", run_id).values()) == {"success"}


def test_failing_teardown_leaves_the_run_successful(api):
    run_id, state = run_to_end(api, "st_classic", {"fail": "release_db"})
    assert state == "success"
    assert task_states(api, "st_classic", run_id) == {
        "lease_db": "success", "load": "success", "report": "success", "release_db": "failed"}


def test_failing_teardown_with_on_failure_fail_dagrun_fails_the_run(api):
    run_id, state = run_to_end(api, "st_classic_strict", {"fail": "release_db"})
    assert state == "failed"
    assert task_states(api, "st_classic_strict", run_id)["release_db"] == "failed"


def test_failing_work_in_classic_dag(api):
    run_id, state = run_to_end(api, "st_classic", {"fail": "load"})
    assert state == "failed"
    assert task_states(api, "st_classic", run_id) == {
        "lease_db": "success", "load": "failed", "report": "upstream_failed",
        "release_db": "success"}


def test_failing_setup_fails_work_and_teardown_upstream(api):
    run_id, state = run_to_end(api, "st_classic", {"fail": "lease_db"})
    assert state == "failed"
    assert task_states(api, "st_classic", run_id) == {
        "lease_db": "failed", "load": "upstream_failed", "report": "upstream_failed",
        "release_db": "upstream_failed"}


def test_task_api_shows_the_teardown_trigger_rule(api, engine: Server):
    r = api.get("/dags/st_classic/tasks/release_db")
    assert r.status_code == 200, r.text
    assert r.json()["trigger_rule"] == "all_done_setup_success"
    assert api.get("/dags/st_classic/tasks/load").json()["trigger_rule"] == "all_success"
    with engine.client(prefix="/airflow/api/v1") as af:
        assert af.get("/dags/st_classic/tasks/release_db").json()["trigger_rule"] == (
            "all_done_setup_success")


def test_clearing_a_work_task_clears_its_setup_and_teardown(api):
    run_id, state = run_to_end(api, "st_clear")
    assert state == "success"
    # Dry run of the one-TI clear: extract brings its setup and teardown, not its sibling.
    r = api.post(f"/dags/st_clear/dagRuns/{run_id}/taskInstances/extract/clear",
                 json={"dry_run": True})
    assert r.status_code == 200, r.text
    assert {ti["task_id"] for ti in r.json()["task_instances"]} == {
        "extract", "boot_vm", "halt_vm"}
    r = api.post("/dags/st_clear/clearTaskInstances", json={
        "dag_run_id": run_id, "task_ids": ["transform"], "dry_run": False,
        "only_failed": False})
    assert r.status_code == 200, r.text
    assert {ti["task_id"] for ti in r.json()["task_instances"]} == {
        "transform", "boot_vm", "halt_vm"}
    wait_for(lambda: api.get(f"/dags/st_clear/dagRuns/{run_id}").json()["state"] == "success"
             and task_instances(api, "st_clear", run_id)["halt_vm"]["try_number"] == 2,
             timeout=60, what="the cleared tasks to run again")
    tries = {t: ti["try_number"] for t, ti in task_instances(api, "st_clear", run_id).items()}
    assert tries == {"boot_vm": 2, "extract": 1, "transform": 2, "halt_vm": 2, "unrelated": 1}
    assert set(task_states(api, "st_clear", run_id).values()) == {"success"}


def test_short_circuit_skips_the_work_but_not_the_teardown(api):
    run_id, state = run_to_end(api, "st_short_circuit")
    assert state == "success"
    assert task_states(api, "st_short_circuit", run_id) == {
        "mount": "success", "gate": "success", "copy": "skipped", "verify": "skipped",
        "unmount": "success"}


def test_official_client_reads_the_teardown_task(api, engine: Server):
    client = pytest.importorskip("airflow_client.client")
    from airflow_client.client.api import dag_api

    conf = client.Configuration(host=engine.url + "/airflow/api/v1", username=ADMIN[0],
                                password=ADMIN[1])
    with client.ApiClient(conf) as c:
        tasks = {t.task_id: t for t in dag_api.DAGApi(c).get_tasks("st_classic").tasks}
    assert tasks["release_db"].trigger_rule.value == "all_done_setup_success"
    assert tasks["lease_db"].downstream_task_ids == ["load", "release_db"]
