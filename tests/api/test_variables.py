"""/variables in both dialects: CRUD, masking, validation, ordering."""

from __future__ import annotations

import httpx
import pytest

from support import unique


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


def test_create_get_update_delete(client: httpx.Client) -> None:
    key = unique("var")
    r = client.post("/variables", json={"key": key, "val": "v1", "description": "d"})
    assert r.status_code == 200, r.text
    assert r.json() == {"key": key, "val": "v1", "value": "v1", "description": "d"}

    assert client.get(f"/variables/{key}").json()["value"] == "v1"

    r = client.put(f"/variables/{key}", json={"val": "v2"})
    assert r.status_code == 200 and r.json()["val"] == "v2"
    assert r.json()["description"] == "d"

    r = client.patch(f"/variables/{key}", params={"update_mask": "description"},
                     json={"key": key, "value": "ignored", "description": "new"})
    assert r.status_code == 200, r.text
    assert r.json()["val"] == "v2" and r.json()["description"] == "new"

    assert client.delete(f"/variables/{key}").status_code == 204
    r = client.get(f"/variables/{key}")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {"type", "title", "status", "detail"} <= r.json().keys()


def test_value_alias_and_duplicate(client: httpx.Client) -> None:
    key = unique("var")
    assert client.post("/variables", json={"key": key, "value": "x"}).json()["val"] == "x"
    r = client.post("/variables", json={"key": key, "value": "y"})
    assert r.status_code == 409
    assert client.get(f"/variables/{key}").json()["val"] == "x"


def test_sensitive_values_are_masked(client: httpx.Client) -> None:
    key = unique("my_api_key")
    client.post("/variables", json={"key": key, "val": "s3cr3t-value"})
    assert client.get(f"/variables/{key}").json()["val"] == "***"
    listed = client.get("/variables", params={"limit": 100, "order_by": "-id"}).json()
    assert all(v["val"] != "s3cr3t-value" for v in listed["variables"])


@pytest.mark.parametrize(
    ("body", "params"),
    [
        ({"key": "", "val": "x"}, None),
        ({"key": "k" * 251, "val": "x"}, None),
        ({"key": 5, "val": "x"}, None),
        ({"key": "ok", "val": "x", "nope": 1}, None),
        ({"key": "ok", "val": "a", "value": "b"}, None),
    ],
)
def test_bad_create_is_400(client: httpx.Client, body: dict, params: dict | None) -> None:
    r = client.post("/variables", json=body, params=params)
    assert r.status_code == 400, r.text
    assert r.json()["status"] == 400


def test_malformed_json_is_400(client: httpx.Client) -> None:
    r = client.post("/variables", content=b'{"key": ', headers={"content-type": "application/json"})
    assert r.status_code == 400


@pytest.mark.parametrize("params", [{"limit": -1}, {"offset": -3}, {"order_by": "val"},
                                    {"limit": "x"}])
def test_bad_list_params_are_400(client: httpx.Client, params: dict) -> None:
    assert client.get("/variables", params=params).status_code == 400


def test_list_orders_and_counts(client: httpx.Client) -> None:
    prefix = unique("ord")
    keys = [f"{prefix}_{i}" for i in (3, 1, 2)]
    for k in keys:
        client.post("/variables", json={"key": k, "val": k})
    first = client.get("/variables", params={"order_by": "-key", "limit": 1}).json()
    assert first["total_entries"] >= 3 and len(first["variables"]) == 1
    listed = client.get("/variables", params={"order_by": "key", "limit": 100}).json()
    mine = [v["key"] for v in listed["variables"] if v["key"].startswith(prefix)]
    assert mine == sorted(keys)


def test_update_missing_is_404_and_key_mismatch_400(client: httpx.Client) -> None:
    assert client.put(f"/variables/{unique('nope')}", json={"val": "x"}).status_code == 404
    key = unique("var")
    client.post("/variables", json={"key": key, "val": "x"})
    assert client.patch(f"/variables/{key}", json={"key": "other", "val": "y"}).status_code == 400
    assert client.get(f"/variables/{key}").json()["val"] == "x"
