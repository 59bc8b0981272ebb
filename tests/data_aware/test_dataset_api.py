"""The dataset endpoints in both dialects: list filters, ordering and paging, get, events
and their filters, queued events (get, delete, `before`), roles, and RFC 7807 errors."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from data_aware.ds_helpers import wait_for
from execution.engine_helpers import wait_dag

pytestmark = pytest.mark.slow
U = "s3://cw-test/"


def q(uri: str) -> str:
    return quote(uri, safe="")


@pytest.fixture(scope="module", autouse=True)
def parsed(engine):
    with engine.client() as api:
        for dag_id in ("ds_join", "ds_either", "ds_external", "ds_alias_producer"):
            wait_dag(api, dag_id)


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_list_filters_order_and_paging(engine, prefix):
    with engine.client(prefix=prefix) as api:
        body = api.get("/datasets").json()
        uris = [d["uri"] for d in body["datasets"]]
        assert {U + n for n in ("raw_a", "raw_b", "joined", "external")} <= set(uris)
        assert body["total_entries"] == len(uris)
        raw_a = next(d for d in body["datasets"] if d["uri"] == U + "raw_a")
        assert [c["dag_id"] for c in raw_a["consuming_dags"]] == ["ds_join"]
        assert [(t["dag_id"], t["task_id"]) for t in raw_a["producing_tasks"]] == [
            ("ds_raw_a", "extract_a")]
        assert set(raw_a) >= {"id", "uri", "extra", "created_at", "updated_at"}
        assert raw_a["extra"] == {"owner": "team-a"}  # the extra the DAG file gives it

        raw = api.get("/datasets", params={"uri_pattern": "raw_"}).json()
        assert sorted(d["uri"] for d in raw["datasets"]) == [U + "raw_a", U + "raw_b"]
        by_dag = api.get("/datasets", params={"dag_ids": "ds_join,ds_external"}).json()
        assert sorted(d["uri"] for d in by_dag["datasets"]) == [
            U + "external", U + "joined", U + "raw_a", U + "raw_b"]
        desc = api.get("/datasets", params={"order_by": "-uri"}).json()["datasets"]
        assert [d["uri"] for d in desc] == sorted(uris, reverse=True)
        page = api.get("/datasets", params={"order_by": "uri", "limit": 2, "offset": 1}).json()
        assert [d["uri"] for d in page["datasets"]] == sorted(uris)[1:3]
        assert page["total_entries"] == len(uris)

        one = api.get(f"/datasets/{q(U + 'joined')}").json()
        assert one["uri"] == U + "joined"
        assert [c["dag_id"] for c in one["consuming_dags"]] == ["ds_either"]


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_errors_are_problems(engine, prefix):
    with engine.client(prefix=prefix) as api:
        r = api.get(f"/datasets/{q('s3://nowhere/x')}")
        assert r.status_code == 404
        assert r.json()["title"] == "Dataset not found"
        assert "s3://nowhere/x" in r.json()["detail"]
        for params in ({"order_by": "nope"}, {"limit": -1}):
            r = api.get("/datasets", params=params)
            assert r.status_code == 400 and r.json()["status"] == 400, r.text
        assert api.get("/datasets/events", params={"dataset_id": "x"}).status_code == 400
        assert api.get("/datasets/events", params={"order_by": "uri"}).status_code == 400
        for body in ({}, {"dataset_uri": ""}, {"dataset_uri": "airflow://x"},
                     {"dataset_uri": U + "external", "extra": "text"},
                     {"dataset_uri": U + "external", "unknown": 1}):
            r = api.post("/datasets/events", json=body)
            assert r.status_code == 400, (body, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        r = api.post("/datasets/events", json={"dataset_uri": "s3://nowhere/x"})
        assert r.status_code == 404
        r = api.get("/dags/ds_join/datasets/queuedEvent", params={"before": "yesterday"})
        assert r.status_code == 400
        assert api.get("/dags/no_such_dag/datasets/queuedEvent").status_code == 404
        r = api.get("/dags/ds_join/dagRuns/no_such_run/upstreamDatasetEvents")
        assert r.status_code == 404


def test_events_filters_and_queued_events(api, af_api):
    made = [api.post("/datasets/events", json={"dataset_uri": U + "raw_a",
                                               "extra": {"n": n}}).json() for n in (1, 2)]
    assert all(m["extra"]["from_rest_api"] for m in made)
    ds_id = made[0]["dataset_id"]
    events = api.get("/datasets/events", params={"dataset_id": ds_id}).json()
    mine = [e for e in events["dataset_events"] if e["id"] in {m["id"] for m in made}]
    assert [e["extra"]["n"] for e in mine] == [1, 2]  # default order: timestamp
    newest = api.get("/datasets/events", params={"dataset_id": ds_id, "order_by": "-timestamp",
                                                 "limit": 1}).json()
    assert newest["dataset_events"][0]["id"] == made[1]["id"]
    assert newest["total_entries"] == events["total_entries"]
    none = api.get("/datasets/events", params={"source_dag_id": "ds_raw_b"}).json()
    assert none == {"dataset_events": [], "total_entries": 0}

    # raw_a alone leaves ds_join waiting for raw_b: one queue row, both events behind it.
    one = af_api.get(f"/dags/ds_join/datasets/queuedEvent/{q(U + 'raw_a')}")
    assert one.status_code == 200, one.text
    assert one.json()["dag_id"] == "ds_join" and one.json()["uri"] == U + "raw_a"
    coll = api.get("/dags/ds_join/datasets/queuedEvent").json()
    assert coll["total_entries"] == 1 and coll["queued_events"][0]["uri"] == U + "raw_a"
    by_ds = api.get(f"/datasets/queuedEvent/{q(U + 'raw_a')}").json()
    assert [e["dag_id"] for e in by_ds["queued_events"]] == ["ds_join"]
    old = api.get("/dags/ds_join/datasets/queuedEvent",
                  params={"before": "2000-01-01T00:00:00+00:00"})
    assert old.status_code == 404
    r = api.delete(f"/dags/ds_join/datasets/queuedEvent/{q(U + 'raw_a')}",
                   params={"before": "2000-01-01T00:00:00+00:00"})
    assert r.status_code == 404
    assert api.delete(f"/dags/ds_join/datasets/queuedEvent/{q(U + 'raw_a')}").status_code == 204
    assert api.get("/dags/ds_join/datasets/queuedEvent").status_code == 404
    assert api.get("/dags/ds_join/dagRuns").json()["dag_runs"] == []

    api.post("/datasets/events", json={"dataset_uri": U + "raw_a"})
    wait_for(lambda: api.get("/dags/ds_join/datasets/queuedEvent").status_code == 200,
             "queued again")
    assert api.delete(f"/datasets/queuedEvent/{q(U + 'raw_a')}").status_code == 204
    assert api.delete(f"/datasets/queuedEvent/{q(U + 'raw_a')}").status_code == 404
    api.post("/datasets/events", json={"dataset_uri": U + "raw_a"})
    assert api.delete("/dags/ds_join/datasets/queuedEvent").status_code == 204
    assert api.delete("/dags/ds_join/datasets/queuedEvent").status_code == 404


@pytest.mark.parametrize(("role", "create", "delete"), [
    ("Viewer", 403, 403), ("User", 200, 403), ("Op", 200, 404), ("Admin", 200, 404)])
def test_roles(engine, make_user, role, create, delete):
    name, password = make_user(role)
    with engine.client(auth=(name, password)) as c:
        assert c.get("/datasets").status_code == 200
        assert c.get("/datasets/events").status_code == 200
        assert c.get(f"/datasets/{q(U + 'raw_b')}").status_code == 200
        r = c.post("/datasets/events", json={"dataset_uri": U + "external"})
        assert r.status_code == create, r.text
        # Nothing is queued for `joined` (ds_either consumes it, nothing produced it yet).
        assert c.delete(f"/datasets/queuedEvent/{q(U + 'joined')}").status_code == delete
    with engine.client(auth=None) as anon:
        assert anon.get("/datasets").status_code == 401
