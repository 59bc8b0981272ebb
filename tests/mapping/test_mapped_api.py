"""The mapped task-instance endpoints in both dialects: listMapped (paging, filters,
order_by), one map index (GET, PATCH, setNote), logs and XCom by map index."""

from __future__ import annotations

from datetime import datetime

import pytest

from execution.engine_helpers import trigger, wait_run

BASE = "/dags/map_limits/dagRuns/{run}/taskInstances/shout"


@pytest.fixture(scope="module")
def run_id(engine):
    with engine.client() as api:
        rid = trigger(api, "map_limits")
        assert wait_run(api, "map_limits", rid, timeout=120) == "failed"
        return rid


def test_list_mapped_pages_in_map_index_order(api, af_api, run_id):
    for client in (api, af_api):
        first = client.get(BASE.format(run=run_id) + "/listMapped", params={"limit": 5})
        assert first.status_code == 200, first.text
        body = first.json()
        assert body["total_entries"] == 12
        assert [t["map_index"] for t in body["task_instances"]] == [0, 1, 2, 3, 4]
        last = client.get(BASE.format(run=run_id) + "/listMapped",
                          params={"limit": 5, "offset": 10}).json()
        assert [t["map_index"] for t in last["task_instances"]] == [10, 11]
        assert last["task_instances"][1]["rendered_map_index"] == "11"


def test_list_mapped_filters_and_order(api, run_id):
    url = BASE.format(run=run_id) + "/listMapped"
    failed = api.get(url, params={"state": "failed"}).json()
    assert failed["total_entries"] == 6
    assert [t["map_index"] for t in failed["task_instances"]] == [1, 3, 5, 7, 9, 11]
    rev = api.get(url, params={"order_by": "-map_index", "limit": 3}).json()
    assert [t["map_index"] for t in rev["task_instances"]] == [11, 10, 9]
    by_state = api.get(url, params={"order_by": "state"}).json()["task_instances"]
    assert [t["state"] for t in by_state] == ["failed"] * 6 + ["success"] * 6
    assert api.get(url, params={"order_by": "bogus"}).status_code == 400
    assert api.get(url, params={"state": "nope"}).status_code == 400
    assert api.get(url, params={"pool": "other_pool"}).json()["total_entries"] == 0
    none = api.get(url, params={"duration_gte": 1000}).json()
    assert none["total_entries"] == 0 and none["task_instances"] == []


def test_list_mapped_unknown_or_unmapped_task_is_404(api, run_id):
    r = api.get(f"/dags/map_limits/dagRuns/{run_id}/taskInstances/nope/listMapped")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem")
    fan = trigger(api, "map_empty")
    wait_run(api, "map_empty", fan)
    r = api.get(f"/dags/map_empty/dagRuns/{fan}/taskInstances/nothing/listMapped")
    assert r.status_code == 404 and "not mapped" in r.json()["detail"]
    empty = api.get(f"/dags/map_empty/dagRuns/{fan}/taskInstances/echo/listMapped").json()
    assert empty == {"task_instances": [], "total_entries": 0}


def test_at_most_two_indexes_ran_at_once(api, run_id):
    tis = api.get(BASE.format(run=run_id) + "/listMapped").json()["task_instances"]
    spans = [(datetime.fromisoformat(t["start_date"]), datetime.fromisoformat(t["end_date"]))
             for t in tis]
    for start, _ in spans:
        overlapping = sum(1 for s, e in spans if s <= start < e)
        assert overlapping <= 2


def test_one_index_get_patch_note_logs_xcom(api, af_api, run_id):
    one = api.get(BASE.format(run=run_id) + "/4")
    assert one.status_code == 200
    assert (one.json()["map_index"], one.json()["state"]) == (4, "success")
    assert af_api.get(BASE.format(run=run_id) + "/4").json()["rendered_map_index"] == "4"
    assert api.get(BASE.format(run=run_id) + "/40").status_code == 404
    assert api.get(BASE.format(run=run_id)).status_code == 404  # no map_index -1 left
    log = api.get(BASE.format(run=run_id) + "/logs/1",
                  params={"map_index": 4, "full_content": "true"}).json()["content"]
    assert "even 4" in log
    xcom = api.get(BASE.format(run=run_id) + "/xcomEntries/return_value",
                   params={"map_index": 6}).json()
    assert "even 6" in str(xcom["value"])
    entries = api.get(BASE.format(run=run_id) + "/xcomEntries", params={"map_index": 8}).json()
    assert [(e["key"], e["map_index"]) for e in entries["xcom_entries"]] == [("return_value", 8)]

    noted = af_api.patch(BASE.format(run=run_id) + "/3/setNote", json={"note": "odd one"})
    assert noted.status_code == 200 and noted.json()["note"] == "odd one"
    assert api.get(BASE.format(run=run_id) + "/2").json()["note"] is None

    bad = api.patch(BASE.format(run=run_id) + "/3", json={"new_state": "running"})
    assert bad.status_code == 400
    dry = api.patch(BASE.format(run=run_id) + "/3", json={"new_state": "success",
                                                        "dry_run": True})
    assert dry.status_code == 200 and dry.json()["map_index"] == 3
    assert api.get(BASE.format(run=run_id) + "/3").json()["state"] == "failed"
    done = af_api.patch(BASE.format(run=run_id) + "/3", json={"new_state": "success",
                                                               "dry_run": False})
    assert done.status_code == 200, done.text
    states = {t["map_index"]: t["state"] for t in api.get(
        BASE.format(run=run_id) + "/listMapped").json()["task_instances"]}
    assert states[3] == "success" and states[1] == "failed" and states[5] == "failed"
