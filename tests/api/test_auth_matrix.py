"""Who may do what: role x endpoint x method, token scopes, dag_ids, expiry, inactive users.

"Allowed" means the request got past authorization (any status but 401/403: a 404 for a
dummy name still proves it); "forbidden" means exactly 403; "unauthenticated" exactly 401.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import insert, update

from crosswind.db.base import utcnow
from crosswind.models import ApiToken, DagModel
from support import unique
from support.direct_db import engine_for

PREFIXES = ["/api/v1", "/airflow/api/v1"]


def _endpoints() -> list[tuple[str, str, str, dict | None]]:
    """(method, path, resource-kind, json) — kinds: op-read, op-write, user-read, user-write."""
    n = unique("m")
    return [
        ("GET", "/variables", "op-read", None),
        ("GET", f"/variables/{n}", "op-read", None),
        ("POST", "/variables", "op-write", {"key": n, "val": "v"}),
        ("PATCH", f"/variables/{n}", "op-write", {"val": "w"}),
        ("DELETE", f"/variables/{n}", "op-write", None),
        ("GET", "/connections", "op-read", None),
        ("POST", "/connections", "op-write", {"connection_id": n, "conn_type": "http"}),
        ("DELETE", f"/connections/{n}", "op-write", None),
        ("GET", "/pools", "op-read", None),
        ("GET", "/pools/default_pool", "op-read", None),
        ("POST", "/pools", "op-write", {"name": n, "slots": 1}),
        ("PATCH", f"/pools/{n}", "op-write", {"slots": 2}),
        ("DELETE", f"/pools/{n}", "op-write", None),
        ("GET", "/users", "user-read", None),
        ("GET", "/users/admin", "user-read", None),
        ("POST", "/users", "user-write",
         {"username": n, "email": f"{n}@example.com", "password": "pw-123456"}),
        ("PATCH", f"/users/{n}", "user-write", {"first_name": "X"}),
        ("DELETE", f"/users/{n}", "user-write", None),
    ]


ROLE_RIGHTS = {
    "Admin": {"op-read", "op-write", "user-read", "user-write"},
    "Op": {"op-read", "op-write"},
    "User": set(),
    "Viewer": set(),
}
SCOPE_RIGHTS = {  # for an Admin's token
    ("read",): {"op-read"},
    ("write",): {"op-read", "op-write"},
    ("read", "write"): {"op-read", "op-write"},
    ("admin",): {"op-read", "op-write", "user-read", "user-write"},
}


def _check(client: httpx.Client, rights: set[str]) -> list[str]:
    wrong = []
    for method, path, kind, body in _endpoints():
        r = client.request(method, path, json=body)
        ok = r.status_code not in (401, 403) if kind in rights else r.status_code == 403
        if not ok:
            wrong.append(f"{method} {path} ({kind}) -> {r.status_code}")
    return wrong


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("role", list(ROLE_RIGHTS))
def test_role_matrix(server, make_user, role: str, prefix: str) -> None:
    name, pw = make_user(role)
    with server.client(auth=(name, pw), prefix=prefix) as c:
        assert _check(c, ROLE_RIGHTS[role]) == []


@pytest.mark.parametrize("scopes", list(SCOPE_RIGHTS))
def test_token_scope_matrix(server, api: httpx.Client, scopes: tuple[str, ...]) -> None:
    secret = api.post("/users/admin/tokens", json={"name": unique("t"), "scopes": list(scopes)}
                      ).json()["token"]
    for prefix in PREFIXES:
        with server.client(auth=None, prefix=prefix,
                           headers={"Authorization": f"Bearer {secret}"}) as c:
            assert _check(c, SCOPE_RIGHTS[scopes]) == []


def test_token_never_exceeds_its_user(server, make_user) -> None:
    name, pw = make_user("Viewer")
    with server.client(auth=(name, pw)) as me:
        secret = me.post(f"/users/{name}/tokens", json={"name": "t", "scopes": ["admin"]}
                         ).json()["token"]
    with server.client(auth=None, headers={"Authorization": f"Bearer {secret}"}) as c:
        assert _check(c, ROLE_RIGHTS["Viewer"]) == []


def test_dag_ids_confine_a_token(server, api: httpx.Client) -> None:
    secret = api.post("/users/admin/tokens", json={
        "name": unique("t"), "scopes": ["admin"], "dag_ids": ["only_this"]}).json()["token"]
    with server.client(auth=None, headers={"Authorization": f"Bearer {secret}"}) as c:
        # Everything outside DAGs is out of reach, whatever the scopes say.
        assert _check(c, set()) == []
        if api.get("/dags").status_code == 404:
            pytest.skip("the /dags routes are not registered yet")
        mine, other = unique("dag"), unique("dag")
        with engine_for(server.database_url) as engine, engine.begin() as conn:
            conn.execute(insert(DagModel),
                         [{"dag_id": d, "fileloc": "/x.py"} for d in (mine, other)])
        assert api.get(f"/dags/{other}").status_code == 200
        assert c.get(f"/dags/{other}").status_code == 404


def test_expired_token_is_401(server, api: httpx.Client) -> None:
    r = api.post("/users/admin/tokens", json={"name": unique("t"), "scopes": ["read"],
                                              "expires_in_days": 1})
    secret, token_id = r.json()["token"], r.json()["id"]
    with server.client(auth=None, headers={"Authorization": f"Bearer {secret}"}) as c:
        assert c.get("/pools").status_code == 200
        with engine_for(server.database_url) as engine, engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == token_id)
                         .values(expires_at=utcnow() - timedelta(seconds=1)))
        r = c.get("/pools")
        assert r.status_code == 401 and "expired" in r.json()["detail"]


def test_inactive_user_is_401_with_password_and_token(server, make_user, api) -> None:
    name, pw = make_user("Op")
    secret = api.post(f"/users/{name}/tokens", json={"name": "t", "scopes": ["read"]}
                      ).json()["token"]
    api.patch(f"/users/{name}", json={"is_active": False})
    with server.client(auth=(name, pw)) as c:
        assert c.get("/pools").status_code == 401
    with server.client(auth=None, headers={"Authorization": f"Bearer {secret}"}) as c:
        assert c.get("/pools").status_code == 401
    inactive, ipw = make_user("Op", active=False)
    with server.client(auth=(inactive, ipw)) as c:
        assert c.get("/pools").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Basic !!!notbase64", "Basic " + "YWRtaW46d3Jvbmc=", "Bearer cw_nope", "Bearer",
     "Digest abc", "Basic"],
)
def test_bad_credentials_are_401(anon: httpx.Client, header: str) -> None:
    r = anon.get("/pools", headers={"Authorization": header})
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    assert r.json()["status"] == 401
