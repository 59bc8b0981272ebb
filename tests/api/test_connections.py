"""/connections in both dialects: CRUD, write-only password, extra rules, masking, errors."""

from __future__ import annotations

import json

import httpx
import pytest

from support import unique


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


def _conn(cid: str, **kw: object) -> dict:
    return {"connection_id": cid, "conn_type": "postgres", "host": "db.local", "schema": "app",
            "login": "bob", "password": "hunter2-secret", "port": 5432,
            "extra": json.dumps({"sslmode": "require", "api_key": "k-123456"}), **kw}


def test_crud_both_ids_and_no_password(client: httpx.Client) -> None:
    cid = unique("conn")
    r = client.post("/connections", json=_conn(cid, description="main db"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["connection_id"] == body["conn_id"] == cid
    assert body["host"] == "db.local" and body["port"] == 5432 and body["schema"] == "app"
    assert "password" not in body and "hunter2-secret" not in r.text
    assert json.loads(body["extra"]) == {"sslmode": "require", "api_key": "***"}

    got = client.get(f"/connections/{cid}")
    assert got.status_code == 200 and "hunter2" not in got.text
    assert got.json()["description"] == "main db"

    listed = client.get("/connections", params={"limit": 100, "order_by": "-connection_id"})
    assert listed.status_code == 200
    assert "hunter2" not in listed.text and listed.json()["total_entries"] >= 1

    r = client.put(f"/connections/{cid}", json={"conn_type": "mysql", "port": 3306})
    assert r.status_code == 200, r.text
    assert r.json()["conn_type"] == "mysql" and r.json()["host"] == "db.local"

    r = client.patch(f"/connections/{cid}", params={"update_mask": "host,login"},
                     json={"connection_id": cid, "conn_type": "ignored", "host": "h2",
                           "login": "alice"})
    assert r.status_code == 200, r.text
    assert (r.json()["host"], r.json()["login"], r.json()["conn_type"]) == ("h2", "alice", "mysql")

    assert client.delete(f"/connections/{cid}").status_code == 204
    assert client.get(f"/connections/{cid}").status_code == 404
    assert client.delete(f"/connections/{cid}").status_code == 404


def test_seed_conn_id_field_and_duplicate(client: httpx.Client) -> None:
    cid = unique("conn")
    r = client.post("/connections", json={"conn_id": cid, "conn_type": "http"})
    assert r.status_code == 200, r.text
    assert r.json()["extra"] is None and r.json()["connection_id"] == cid
    dup = client.post("/connections", json={"conn_id": cid, "conn_type": "http"})
    assert dup.status_code == 409 and dup.json()["status"] == 409


@pytest.mark.parametrize(
    "body",
    [
        {"connection_id": "x1", "conn_type": "http", "extra": "not json"},
        {"connection_id": "x2", "conn_type": "http", "extra": "[1, 2]"},
        {"connection_id": "x3", "conn_type": "http", "extra": {"a": 1}},
        {"connection_id": "", "conn_type": "http"},
        {"conn_type": "http"},
        {"connection_id": "x4"},
        {"connection_id": "x5", "conn_type": "http", "port": "eighty"},
        {"connection_id": "x6", "conn_type": "http", "port": 70000},
        {"connection_id": "x7", "conn_type": "http", "bogus": 1},
        {"connection_id": "x8", "conn_id": "x9", "conn_type": "http"},
        {"connection_id": "bad id/slash", "conn_type": "http"},
    ],
)
def test_bad_create_is_400(client: httpx.Client, body: dict) -> None:
    r = client.post("/connections", json=body)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


def test_bad_updates(client: httpx.Client) -> None:
    cid = unique("conn")
    client.post("/connections", json={"connection_id": cid, "conn_type": "http"})
    assert client.patch(f"/connections/{cid}", json={"extra": "[]"}).status_code == 400
    assert client.patch(f"/connections/{cid}", params={"update_mask": "nope"},
                        json={}).status_code == 400
    assert client.patch(f"/connections/{cid}", params={"update_mask": "connection_id"},
                        json={"connection_id": "other"}).status_code == 400
    assert client.put(f"/connections/{cid}", json={"conn_id": "other"}).status_code == 400
    assert client.patch(f"/connections/{cid}", params={"update_mask": "conn_type"},
                        json={}).status_code == 400
    assert client.put(f"/connections/{unique('nope')}", json={"host": "h"}).status_code == 404
    assert client.get("/connections", params={"order_by": "password"}).status_code == 400


def test_password_is_kept_when_not_sent(client: httpx.Client, server) -> None:
    """PUT without a password leaves the stored one (checked through the runtime store)."""
    from sqlalchemy.orm import Session

    from crosswind.security import SecretBox, load_fernet_key
    from crosswind.store import connections as store
    from support.direct_db import engine_for

    cid = unique("conn")
    client.post("/connections", json=_conn(cid))
    client.put(f"/connections/{cid}", json={"host": "other"})
    box = SecretBox(load_fernet_key(None, server.home))
    with engine_for(server.database_url) as engine, Session(engine) as s:
        plain = store.get_plain(s, box, cid)
    assert plain is not None
    assert plain["password"] == "hunter2-secret" and plain["host"] == "other"
    assert json.loads(plain["extra"])["api_key"] == "k-123456"


def test_test_endpoint_is_disabled(client: httpx.Client) -> None:
    r = client.post("/connections/test", json={"connection_id": "x", "conn_type": "http"})
    assert r.status_code == 403 and "disabled" in r.json()["detail"]


def test_nested_sensitive_extra_is_masked(client: httpx.Client) -> None:
    cid = unique("conn")
    extra = {"auth": {"password": "pw-nested", "user": "u"}, "token": "t", "region": "eu"}
    r = client.post("/connections", json={"connection_id": cid, "conn_type": "aws",
                                          "extra": json.dumps(extra)})
    assert json.loads(r.json()["extra"]) == {
        "auth": {"password": "***", "user": "u"}, "token": "***", "region": "eu"}
