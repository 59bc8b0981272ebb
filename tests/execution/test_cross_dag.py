"""End to end with real task processes: TriggerDagRunOperator (wait, failed target, conf,
templated dag id, reset_dag_run, paused target), ExternalTaskSensor (task, task group,
whole run, failed_states), a recursive clear through ExternalTaskMarker via the API,
LatestOnlyOperator in catchup runs, weekday / datetime branching at chosen logical dates
and the time sensors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from engine_helpers import (
    engine_fixtures,
    log_text,
    task_instances,
    task_states,
    trigger,
    wait_dag,
    wait_run,
)

from support.cluster import wait_for

DAGS = Path(__file__).parent / "dags_xdag"


engine, api = engine_fixtures(DAGS, "xdag")


def runs_of(api: httpx.Client, dag_id: str) -> list[dict]:
    r = api.get(f"/dags/{dag_id}/dagRuns", params={"order_by": "execution_date"})
    assert r.status_code == 200, r.text
    return r.json()["dag_runs"]


def trigger_at(api: httpx.Client, dag_id: str, when: datetime, conf: dict | None = None) -> str:
    wait_dag(api, dag_id)
    r = api.post(f"/dags/{dag_id}/dagRuns",
                 json={"logical_date": when.isoformat(), "conf": conf or {}})
    assert r.status_code == 200, r.text
    return r.json()["dag_run_id"]


def xcom(api: httpx.Client, dag_id: str, run_id: str, task_id: str, key: str) -> str:
    r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}")
    assert r.status_code == 200, r.text
    return str(r.json()["value"])


def test_trigger_waits_for_a_successful_target_with_templated_conf(api):
    wait_dag(api, "xd_target")
    run_id = trigger(api, "xd_controller", conf={"message": "hello-42"})
    assert wait_run(api, "xd_controller", run_id) == "success"
    target_run = xcom(api, "xd_controller", run_id, "trigger", "trigger_run_id")
    run = api.get(f"/dags/xd_target/dagRuns/{target_run}").json()
    assert (run["state"], run["run_type"], run["external_trigger"]) == (
        "success", "manual", True)
    assert run["conf"] == {"message": "hello-42", "fail": "no"}
    assert run["dag_run_id"] == f"manual__{run['logical_date']}"
    assert xcom(api, "xd_controller", run_id, "trigger", "trigger_logical_date_iso") == str(
        datetime.fromisoformat(run["logical_date"]).isoformat())
    assert "message=hello-42" in log_text(api, "xd_target", target_run, "work", 1)
    rendered = task_instances(api, "xd_controller", run_id)["trigger"]["rendered_fields"]
    assert rendered["trigger_dag_id"] == "xd_target"
    task = api.get("/dags/xd_controller/tasks/trigger").json()
    assert task["extra_links"] == [{"class_ref": {
        "module_path": "airflow.operators.trigger_dagrun", "class_name": "TriggerDagRunLink"}}]


def test_trigger_fails_when_the_target_run_fails(api):
    wait_dag(api, "xd_target")
    run_id = trigger(api, "xd_controller", conf={"fail": "yes"})
    assert wait_run(api, "xd_controller", run_id) == "failed"
    target_run = xcom(api, "xd_controller", run_id, "trigger", "trigger_run_id")
    assert api.get(f"/dags/xd_target/dagRuns/{target_run}").json()["state"] == "failed"
    assert "xd_target failed with failed states failed" in log_text(
        api, "xd_controller", run_id, "trigger", 1)


def test_trigger_of_an_unknown_dag_fails_the_task(api):
    run_id = trigger(api, "xd_controller", conf={"target": "xd_no_such_dag"})
    assert wait_run(api, "xd_controller", run_id) == "failed"
    assert "DagNotFound" in log_text(api, "xd_controller", run_id, "trigger", 1)


def test_paused_target_gets_a_queued_run_that_waits(api):
    wait_dag(api, "xd_paused_target")
    assert api.patch("/dags/xd_paused_target", json={"is_paused": True}).status_code == 200
    run_id = trigger(api, "xd_controller_nowait")
    assert wait_run(api, "xd_controller_nowait", run_id) == "success"
    target_run = xcom(api, "xd_controller_nowait", run_id, "trigger", "trigger_run_id")
    run = api.get(f"/dags/xd_paused_target/dagRuns/{target_run}").json()
    assert (run["state"], run["conf"]) == ("queued", {"message": "queued"})
    assert task_states(api, "xd_paused_target", target_run) == {"work": None}
    assert api.patch("/dags/xd_paused_target", json={"is_paused": False}).status_code == 200
    assert wait_run(api, "xd_paused_target", target_run) == "success"


def test_reset_dag_run_clears_and_reruns_the_existing_run(api):
    first = trigger(api, "xd_reset_controller")
    assert wait_run(api, "xd_reset_controller", first) == "success"
    assert task_instances(api, "xd_target", "fixed_one")["work"]["try_number"] == 1
    second = trigger(api, "xd_reset_controller")
    assert wait_run(api, "xd_reset_controller", second) == "success"
    run = api.get("/dags/xd_target/dagRuns/fixed_one").json()
    assert run["logical_date"].startswith("2023-06-01T12:00:00")
    assert run["state"] == "success"
    assert task_instances(api, "xd_target", "fixed_one")["work"]["try_number"] == 2
    assert len([r for r in runs_of(api, "xd_target") if r["dag_run_id"] == "fixed_one"]) == 1


def test_external_task_sensor_on_success_task_group_and_whole_run(api):
    when = datetime(2024, 2, 1, 8, tzinfo=UTC)
    down = trigger_at(api, "xd_downstream", when)
    wait_for(lambda: task_states(api, "xd_downstream", down)["wait_work"] == "running",
             30, "the sensor to poke")
    up = trigger_at(api, "xd_upstream", when)
    assert wait_run(api, "xd_upstream", up) == "success"
    assert wait_run(api, "xd_downstream", down) == "success"
    assert set(task_states(api, "xd_downstream", down).values()) == {"success"}
    log = log_text(api, "xd_downstream", down, "wait_group", 1)
    assert "task_group 'grp'" in log


def test_external_task_sensor_fails_on_a_failed_state(api):
    when = datetime(2024, 2, 2, 8, tzinfo=UTC)
    up = trigger_at(api, "xd_upstream", when, conf={"fail": "yes"})
    assert wait_run(api, "xd_upstream", up) == "failed"
    down = trigger_at(api, "xd_downstream", when)
    assert wait_run(api, "xd_downstream", down) == "failed"
    states = task_states(api, "xd_downstream", down)
    assert states["wait_work"] == "failed"
    assert states["wait_run"] == "failed"
    assert states["after"] == "upstream_failed"
    assert "Some of the external tasks ['work'] in DAG xd_upstream failed." in log_text(
        api, "xd_downstream", down, "wait_work", 1)


def test_recursive_clear_through_the_marker_reaches_the_other_dag(api):
    when = datetime(2024, 2, 3, 8, tzinfo=UTC)
    up = trigger_at(api, "xd_upstream", when)
    down = trigger_at(api, "xd_downstream", when)
    assert wait_run(api, "xd_upstream", up) == "success"
    assert wait_run(api, "xd_downstream", down) == "success"
    body = {"dry_run": True, "task_ids": ["marker"], "dag_run_id": up, "only_failed": False,
            "include_subdags": True}
    r = api.post("/dags/xd_upstream/clearTaskInstances", json=body)
    assert r.status_code == 200, r.text
    found = {(t["dag_id"], t["task_id"]) for t in r.json()["task_instances"]}
    assert found == {("xd_upstream", "marker"), ("xd_downstream", "wait_work"),
                     ("xd_downstream", "wait_group"), ("xd_downstream", "after")}
    plain = api.post("/dags/xd_upstream/clearTaskInstances",
                     json={**body, "include_subdags": False}).json()["task_instances"]
    assert {t["dag_id"] for t in plain} == {"xd_upstream"}
    r = api.post("/dags/xd_upstream/clearTaskInstances", json={**body, "dry_run": False})
    assert r.status_code == 200, r.text
    assert wait_run(api, "xd_downstream", down) == "success"
    tis = task_instances(api, "xd_downstream", down)
    assert {t: ti["try_number"] for t, ti in tis.items()} == {
        "wait_work": 2, "wait_group": 2, "after": 2, "wait_run": 1}
    assert wait_run(api, "xd_upstream", up) == "success"
    assert task_instances(api, "xd_upstream", up)["marker"]["try_number"] == 2


def test_latest_only_skips_downstream_in_catchup_runs(api):
    wait_dag(api, "xd_latest")
    runs = wait_for(lambda: (lambda rs: rs if len(rs) >= 3 and all(
        r["state"] in ("success", "failed") for r in rs) else None)(
        runs_of(api, "xd_latest")), 90, "three finished catchup runs")
    runs = sorted(runs, key=lambda r: r["logical_date"])
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    for run in runs:
        states = task_states(api, "xd_latest", run["dag_run_id"])
        latest = datetime.fromisoformat(run["data_interval_end"]) >= today - timedelta(
            seconds=1) and run["run_type"] == "scheduled"
        assert run["state"] == "success"
        expected = "success" if latest else "skipped"
        assert (states["latest_only"], states["follow"], states["always"]) == (
            "success", expected, "success"), run
    assert sum(1 for r in runs if task_states(api, "xd_latest", r["dag_run_id"])[
        "follow"] == "skipped") == len(runs) - 1


@pytest.mark.parametrize(("when", "day_branch", "time_branch"), [
    (datetime(2024, 6, 1, 10, tzinfo=UTC), "weekend", "office_hours"),  # a Saturday
    (datetime(2024, 6, 3, 20, tzinfo=UTC), "workday", "off_hours"),  # a Monday
])
def test_branch_by_weekday_and_datetime_on_the_logical_date(api, when, day_branch,
                                                           time_branch):
    run_id = trigger_at(api, "xd_branch", when)
    assert wait_run(api, "xd_branch", run_id) == "success"
    states = task_states(api, "xd_branch", run_id)
    other_day = {"weekend", "workday"} - {day_branch}
    other_time = {"office_hours", "off_hours"} - {time_branch}
    assert states[day_branch] == "success" and states[other_day.pop()] == "skipped"
    assert states[time_branch] == "success" and states[other_time.pop()] == "skipped"


def test_time_sensors_with_past_targets_succeed(api):
    run_id = trigger_at(api, "xd_sensors", datetime(2024, 3, 1, tzinfo=UTC))
    assert wait_run(api, "xd_sensors", run_id) == "success"
    assert set(task_states(api, "xd_sensors", run_id).values()) == {"success"}
