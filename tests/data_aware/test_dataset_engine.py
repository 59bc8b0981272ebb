"""Datasets end to end with real task processes: a three-DAG chain with `&`, `|` and an
alias, outlet extras (context and yielded Metadata), inlet_events, an external event
through POST /datasets/events, and no event from a failed producer."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from data_aware.ds_helpers import finished_runs, runs_of
from execution.engine_helpers import trigger, wait_dag, wait_run

pytestmark = pytest.mark.slow
U = "s3://cw-test/"


def upstream(api, dag_id: str, run_id: str) -> list[dict]:
    r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/upstreamDatasetEvents")
    assert r.status_code == 200, r.text
    return r.json()["dataset_events"]


def test_chain_with_and_or_and_alias(api):
    for dag_id in ("ds_join", "ds_either", "ds_alias_producer"):
        wait_dag(api, dag_id)
    a_run = trigger(api, "ds_raw_a")
    assert wait_run(api, "ds_raw_a", a_run) == "success"
    events = api.get("/datasets/events", params={"source_dag_id": "ds_raw_a"}).json()
    assert [(e["dataset_uri"], e["extra"], e["source_task_id"], e["source_run_id"])
            for e in events["dataset_events"]] == [(U + "raw_a", {"rows": 3}, "extract_a", a_run)]
    # raw_a alone does not satisfy raw_a & raw_b: it waits in the queue.
    queued = api.get("/dags/ds_join/datasets/queuedEvent").json()
    assert [q["uri"] for q in queued["queued_events"]] == [U + "raw_a"]
    assert runs_of(api, "ds_join") == []

    b_run = trigger(api, "ds_raw_b")
    assert wait_run(api, "ds_raw_b", b_run) == "success"
    [join] = finished_runs(api, "ds_join", 1)
    assert (join["state"], join["run_type"], join["external_trigger"]) == (
        "success", "dataset_triggered", False)
    assert join["dag_run_id"].startswith("dataset_triggered__")
    consumed = upstream(api, "ds_join", join["dag_run_id"])
    assert sorted((e["dataset_uri"], e["extra"]["rows"]) for e in consumed) == [
        (U + "raw_a", 3), (U + "raw_b", 5)]
    # Data interval: from the producing runs' intervals (manual runs: their logical dates).
    a = api.get(f"/dags/ds_raw_a/dagRuns/{a_run}").json()
    b = api.get(f"/dags/ds_raw_b/dagRuns/{b_run}").json()
    assert join["data_interval_start"] == a["data_interval_start"]
    assert join["data_interval_end"] == b["data_interval_end"]
    xcom = api.get(f"/dags/ds_join/dagRuns/{join['dag_run_id']}/taskInstances/join/"
                   "xcomEntries/return_value").json()
    # inlet_events read both extras; triggering_dataset_events has the consumed events.
    assert "'rows': 8" in str(xcom["value"]) or '"rows": 8' in str(xcom["value"]), xcom
    assert "raw_a" in str(xcom["value"]) and "raw_b" in str(xcom["value"])
    assert api.get("/dags/ds_join/datasets/queuedEvent").status_code == 404

    # ds_join's success emits `joined`, which satisfies joined | alias: the third DAG runs.
    [either] = finished_runs(api, "ds_either", 1)
    assert either["state"] == "success"
    [ev] = upstream(api, "ds_either", either["dag_run_id"])
    assert (ev["dataset_uri"], ev["source_dag_id"], ev["source_run_id"]) == (
        U + "joined", "ds_join", join["dag_run_id"])

    # An event through the alias satisfies the other branch of the `|`.
    alias_run = trigger(api, "ds_alias_producer")
    assert wait_run(api, "ds_alias_producer", alias_run) == "success"
    runs = finished_runs(api, "ds_either", 2)
    [ev] = upstream(api, "ds_either", runs[-1]["dag_run_id"])
    assert (ev["dataset_uri"], ev["extra"]) == (U + "via_alias", {"via": "alias"})
    created = api.get(f"/datasets/{quote(U + 'via_alias', safe='')}")
    assert created.status_code == 200, created.text
    # Exactly one run per satisfied condition: nothing else was created meanwhile.
    assert len(runs_of(api, "ds_join")) == 1 and len(runs_of(api, "ds_either")) == 2


def test_external_event_creates_a_run(api, af_api):
    wait_dag(api, "ds_external")
    r = af_api.post("/datasets/events", json={"dataset_uri": U + "external",
                                              "extra": {"batch": 7}})
    assert r.status_code == 200, r.text
    event = r.json()
    assert event["extra"] == {"batch": 7, "from_rest_api": True}
    assert event["source_dag_id"] is None and event["dataset_uri"] == U + "external"
    [run] = finished_runs(api, "ds_external", 1)
    assert (run["run_type"], run["state"]) == ("dataset_triggered", "success")
    assert [e["id"] for e in upstream(api, "ds_external", run["dag_run_id"])] == [event["id"]]
    # The event lists the run it created.
    listed = api.get("/datasets/events", params={"dataset_id": event["dataset_id"]}).json()
    mine = next(e for e in listed["dataset_events"] if e["id"] == event["id"])
    assert [d["run_id"] for d in mine["created_dagruns"]] == [run["dag_run_id"]]


def test_failed_producer_emits_no_event(api):
    wait_dag(api, "ds_failing_producer")
    run_id = trigger(api, "ds_failing_producer")
    assert wait_run(api, "ds_failing_producer", run_id) == "failed"
    r = api.get("/datasets/events", params={"source_dag_id": "ds_failing_producer"})
    assert r.json()["dataset_events"] == []


def test_dag_detail_carries_dataset_expression(api, af_api):
    wait_dag(api, "ds_either")
    for client in (api, af_api):
        detail = client.get("/dags/ds_either/details").json()
        assert detail["dataset_expression"] == {"any": [U + "joined", {"alias": "cw-alias"}]}
        assert detail["timetable_description"] == "Triggered by datasets"
    # schedule_interval as Airflow shows it: the summary, a cron-like string.
    assert api.get("/dags/ds_either").json()["schedule_interval"] == "Dataset"
    assert af_api.get("/dags/ds_either").json()["schedule_interval"] == {
        "__type": "CronExpression", "value": "Dataset"}
    assert api.get("/dags/ds_raw_a/details").json()["dataset_expression"] is None
