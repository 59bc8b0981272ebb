"""/pools in both dialects: CRUD, default_pool rules, slot figures from task instances."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import delete, insert

from crosswind.models import TaskInstance
from support import unique
from support.direct_db import engine_for

FIGURES = {"occupied_slots", "running_slots", "queued_slots", "open_slots", "scheduled_slots",
           "deferred_slots"}


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


def test_default_pool_exists_and_is_protected(client: httpx.Client) -> None:
    r = client.get("/pools/default_pool")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == body["pool_id"] == "default_pool" and body["slots"] == 128
    assert body.keys() >= FIGURES
    assert client.delete("/pools/default_pool").status_code == 400
    r = client.patch("/pools/default_pool", json={"name": "renamed"})
    assert r.status_code == 400
    assert client.get("/pools/default_pool").status_code == 200
    ok = client.patch("/pools/default_pool", params={"update_mask": "slots"},
                      json={"name": "default_pool", "slots": 128})
    assert ok.status_code == 200 and ok.json()["slots"] == 128


def test_crud_and_rename(client: httpx.Client) -> None:
    name = unique("pool")
    r = client.post("/pools", json={"name": name, "slots": 3, "description": "d"})
    assert r.status_code == 200, r.text
    assert r.json() | {} == {"name": name, "pool_id": name, "slots": 3, "description": "d",
                             "include_deferred": False, "occupied_slots": 0,
                             "running_slots": 0, "queued_slots": 0, "open_slots": 3,
                             "scheduled_slots": 0, "deferred_slots": 0}
    assert client.post("/pools", json={"pool_id": name, "slots": 1}).status_code == 409

    r = client.put(f"/pools/{name}", json={"slots": -1})
    assert r.status_code == 200 and r.json()["slots"] == -1 and r.json()["open_slots"] == -1
    assert r.json()["description"] == "d"

    r = client.patch(f"/pools/{name}", params={"update_mask": "description"},
                     json={"name": name, "slots": 99, "description": "new"})
    assert r.status_code == 200 and (r.json()["slots"], r.json()["description"]) == (-1, "new")

    renamed = unique("pool")
    r = client.patch(f"/pools/{name}", json={"name": renamed, "slots": 5})
    assert r.status_code == 200 and r.json()["name"] == renamed
    assert client.get(f"/pools/{name}").status_code == 404
    listed = client.get("/pools", params={"order_by": "-slots", "limit": 100}).json()
    assert renamed in [p["pool_id"] for p in listed["pools"]] and listed["total_entries"] >= 2

    assert client.delete(f"/pools/{renamed}").status_code == 204
    assert client.delete(f"/pools/{renamed}").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "p1", "slots": -2},
        {"name": "p2"},
        {"slots": 1},
        {"name": "", "slots": 1},
        {"name": "p3", "slots": "many"},
        {"name": "p4", "slots": 1, "extra": True},
        {"name": "p5", "pool_id": "p6", "slots": 1},
        {"name": "a/b", "slots": 1},
    ],
)
def test_bad_create_is_400(client: httpx.Client, body: dict) -> None:
    assert client.post("/pools", json=body).status_code == 400


def test_bad_updates(client: httpx.Client) -> None:
    name = unique("pool")
    client.post("/pools", json={"name": name, "slots": 2})
    assert client.patch(f"/pools/{name}", json={"slots": -5}).status_code == 400
    assert client.patch(f"/pools/{name}", params={"update_mask": "bogus"},
                        json={}).status_code == 400
    assert client.patch(f"/pools/{name}", params={"update_mask": "slots"},
                        json={}).status_code == 400
    assert client.patch(f"/pools/{name}", json={"name": "default_pool"}).status_code == 409
    assert client.put(f"/pools/{unique('nope')}", json={"slots": 1}).status_code == 404
    assert client.get("/pools", params={"order_by": "occupied"}).status_code == 400
    assert client.get(f"/pools/{name}").json()["slots"] == 2


def test_slot_figures_count_task_instances(api: httpx.Client, server) -> None:
    name = unique("pool")
    api.post("/pools", json={"name": name, "slots": 10, "include_deferred": True})
    dag_id = unique("dag")
    rows = [("running", 2), ("running", 1), ("queued", 3), ("scheduled", 1), ("deferred", 2),
            ("success", 4), (None, 1)]
    with engine_for(server.database_url) as engine:
        with engine.begin() as c:
            c.execute(insert(TaskInstance), [
                {"dag_id": dag_id, "run_id": "r", "task_id": f"t{i}", "map_index": -1,
                 "state": st, "pool": name, "pool_slots": slots}
                for i, (st, slots) in enumerate(rows)])
        try:
            body = api.get(f"/pools/{name}").json()
            assert (body["running_slots"], body["queued_slots"], body["scheduled_slots"],
                    body["deferred_slots"]) == (3, 3, 1, 2)
            assert body["occupied_slots"] == 8 and body["open_slots"] == 2
            api.patch(f"/pools/{name}", params={"update_mask": "include_deferred"},
                      json={"include_deferred": False})
            listed = api.get("/pools", params={"limit": 100}).json()["pools"]
            mine = next(p for p in listed if p["name"] == name)
            assert mine["occupied_slots"] == 6 and mine["open_slots"] == 4
        finally:
            with engine.begin() as c:
                c.execute(delete(TaskInstance).where(TaskInstance.dag_id == dag_id))


def test_total_entries_on_every_page_shape(client: httpx.Client) -> None:
    for _ in range(3):
        client.post("/pools", json={"name": unique("pool"), "slots": 1})
    full = client.get("/pools", params={"limit": 100}).json()
    total = full["total_entries"]
    assert total == len(full["pools"]) >= 4
    shapes = [  # (params, rows expected); limit=total and total-1: the page-size boundary
        ({"limit": 1}, 1), ({"limit": 2, "offset": 1}, 2), ({"limit": 100, "offset": total - 1}, 1),
        ({"limit": 100, "offset": total + 5}, 0), ({"limit": 0}, 0), ({"limit": total}, total),
        ({"limit": total - 1}, total - 1), ({"limit": total - 1, "offset": 1}, total - 1),
        ({"limit": total, "offset": total}, 0),
    ]
    for params, rows in shapes:
        page = client.get("/pools", params=params).json()
        assert page["total_entries"] == total, params
        assert len(page["pools"]) == rows, params
    assert len(client.get("/pools", params={"limit": 0}).json()["pools"]) == 0
