"""Personal access tokens: shown once, listed without secrets, revocation, who may manage."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from support import unique
from support.direct_db import engine_for

LISTED = {"id", "name", "scopes", "dag_ids", "created_at", "expires_at", "last_used_at", "prefix"}


def _bearer(server, secret: str, prefix: str = "/api/v1") -> httpx.Client:
    return server.client(auth=None, prefix=prefix, headers={"Authorization": f"Bearer {secret}"})


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_create_list_use_revoke(server, make_user, prefix: str) -> None:
    name, pw = make_user("Op")
    with server.client(auth=(name, pw), prefix=prefix) as me:
        r = me.post(f"/users/{name}/tokens", json={"name": "ci", "scopes": ["read", "write"],
                                                   "expires_in_days": 30})
        assert r.status_code == 200, r.text
        created = r.json()
        secret = created["token"]
        assert secret.startswith(created["prefix"]) and created.keys() >= LISTED
        assert created["expires_at"] is not None and created["last_used_at"] is None

        listed = me.get(f"/users/{name}/tokens").json()["tokens"]
        assert [t["id"] for t in listed] == [created["id"]]
        assert set(listed[0]) == LISTED and secret not in str(listed)

        with _bearer(server, secret, prefix) as tok:
            assert tok.get("/variables").status_code == 200
            assert tok.post("/variables", json={"key": unique("k"), "val": "v"}).status_code == 200
            used = me.get(f"/users/{name}/tokens").json()["tokens"][0]["last_used_at"]
            assert used is not None
            assert me.delete(f"/users/{name}/tokens/{created['id']}").status_code == 204
            r = tok.get("/variables")
            assert r.status_code == 401 and "WWW-Authenticate" in r.headers
        assert me.get(f"/users/{name}/tokens").json()["tokens"] == []
        assert me.delete(f"/users/{name}/tokens/{created['id']}").status_code == 404


def test_token_secret_is_stored_hashed(server, api: httpx.Client) -> None:
    secret = api.post("/users/admin/tokens", json={"name": unique("t"), "scopes": ["read"]}
                      ).json()["token"]
    with engine_for(server.database_url) as engine, engine.connect() as c:
        stored = [row[0] for row in c.execute(text("SELECT token_hash FROM api_tokens"))]
    assert stored and secret not in stored and all(secret[3:] not in h for h in stored)


def test_others_tokens_need_admin(server, make_user, api: httpx.Client) -> None:
    alice, apw = make_user("Op")
    bob, _ = make_user("Viewer")
    with server.client(auth=(alice, apw)) as a:
        assert a.post(f"/users/{bob}/tokens", json={"name": "x", "scopes": ["read"]}
                      ).status_code == 403
        assert a.get(f"/users/{bob}/tokens").status_code == 403
    r = api.post(f"/users/{bob}/tokens", json={"name": "by-admin", "scopes": ["read"]})
    assert r.status_code == 200
    with server.client(auth=(alice, apw)) as a:
        assert a.delete(f"/users/{bob}/tokens/{r.json()['id']}").status_code == 403
    assert api.get(f"/users/{bob}/tokens").json()["total_entries"] == 1
    assert api.delete(f"/users/{bob}/tokens/{r.json()['id']}").status_code == 204
    assert api.get(f"/users/{unique('ghost')}/tokens").status_code == 404


def test_a_dag_confined_admin_token_reaches_no_tokens_api(server, api) -> None:
    """Even with the admin scope, a token confined to DAGs can neither list or revoke its
    user's tokens nor mint tokens for anyone."""
    made = api.post("/users/admin/tokens", json={
        "name": unique("t"), "scopes": ["admin"], "dag_ids": ["some_dag"]}).json()
    other = api.post("/users/admin/tokens", json={"name": unique("t"), "scopes": ["read"]}
                     ).json()
    with _bearer(server, made["token"]) as tok:
        assert tok.get("/users/admin/tokens").status_code == 403
        assert tok.delete(f"/users/admin/tokens/{other['id']}").status_code == 403
        assert tok.post("/users/admin/tokens", json={"name": "x", "scopes": ["read"],
                                                     "dag_ids": ["some_dag"]}).status_code == 403
    listed = {t["id"] for t in api.get("/users/admin/tokens").json()["tokens"]}
    assert {made["id"], other["id"]} <= listed


def test_a_token_cannot_mint_a_broader_token(server, make_user) -> None:
    name, pw = make_user("Op")
    with server.client(auth=(name, pw)) as me:
        narrow = me.post(f"/users/{name}/tokens", json={
            "name": "narrow", "scopes": ["write"], "dag_ids": ["d1", "d2"]}).json()["token"]
        ro = me.post(f"/users/{name}/tokens", json={"name": "ro", "scopes": ["read"]}
                     ).json()["token"]
    with _bearer(server, narrow) as tok:
        path = f"/users/{name}/tokens"
        assert tok.post(path, json={"name": "a", "scopes": ["admin"]}).status_code == 403
        assert tok.post(path, json={"name": "b", "scopes": ["write"]}).status_code == 403
        assert tok.post(path, json={"name": "c", "scopes": ["write"], "dag_ids": ["d3"]}
                        ).status_code == 403
        # Confined to DAGs: no token management at all, not even narrower or its own.
        assert tok.post(path, json={"name": "d", "scopes": ["write"], "dag_ids": ["d1"]}
                        ).status_code == 403
        mine = tok.get(path)
        assert mine.status_code == 403 and "confined to DAGs" in mine.json()["detail"]
    with _bearer(server, ro) as tok:
        assert tok.get(f"/users/{name}/tokens").status_code == 200
        assert tok.post(f"/users/{name}/tokens", json={"name": "e", "scopes": ["read"]}
                        ).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        {"name": "", "scopes": ["read"]},
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "x", "scopes": ["read"], "expires_in_days": 0},
        {"name": "x", "scopes": ["read"], "expires_in_days": -1},
        {"name": "x", "scopes": ["read"], "dag_ids": [""]},
        {"name": "x", "scopes": ["read"], "what": 1},
        {"scopes": ["read"]},
    ],
)
def test_bad_token_bodies_are_400(api: httpx.Client, body: dict) -> None:
    assert api.post("/users/admin/tokens", json=body).status_code == 400


def test_changes_are_audited(server, api: httpx.Client) -> None:
    """Each change through these endpoints leaves an event_log row naming the actor."""
    from sqlalchemy import select

    from crosswind.models import EventLog

    n = unique("audit")
    api.post("/pools", json={"name": n, "slots": 1})
    api.patch(f"/pools/{n}", json={"slots": 2})
    api.delete(f"/pools/{n}")
    api.post("/connections", json={"connection_id": n, "conn_type": "http"})
    api.patch(f"/connections/{n}", json={"host": "h"})
    api.delete(f"/connections/{n}")
    api.post("/users", json={"username": n, "email": f"{n}@example.com", "password": "pw-12345"})
    api.patch(f"/users/{n}", json={"password": "pw-67890"})
    token = api.post(f"/users/{n}/tokens", json={"name": "t", "scopes": ["read"]}).json()
    api.delete(f"/users/{n}/tokens/{token['id']}")
    api.delete(f"/users/{n}")
    with engine_for(server.database_url) as engine, engine.connect() as c:
        rows = c.execute(select(EventLog.event, EventLog.owner, EventLog.extra)
                         .where(EventLog.extra.contains(n))).all()
    events = [r.event for r in rows]
    for event in ("pool.create", "pool.edit", "pool.delete", "connection.create",
                  "connection.edit", "connection.delete", "user.create", "user.edit",
                  "token.create", "token.delete", "user.delete"):
        assert event in events
    assert {r.owner for r in rows} == {"admin"}
    assert not any("pw-" in (r.extra or "") for r in rows)
