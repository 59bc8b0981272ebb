"""/users in both dialects: seed and Airflow forms, roles, validation, no secrets out."""

from __future__ import annotations

import httpx
import pytest

from support import unique

PW = "pw-long-enough-123"


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


def _new(client: httpx.Client, **kw: object) -> tuple[str, dict]:
    name = unique("u")
    body = {"username": name, "email": f"{name}@example.com", "password": PW, **kw}
    r = client.post("/users", json=body)
    assert r.status_code == 200, r.text
    return name, r.json()


def test_seed_form_and_shape(client: httpx.Client) -> None:
    name, body = _new(client, is_admin=True, is_active=True)
    assert body["is_admin"] is True and body["roles"] == [{"name": "Admin"}]
    assert body["is_active"] is True and body["active"] is True
    for key in ("created_on", "changed_on", "last_login", "login_count", "failed_login_count",
                "first_name", "last_name", "email", "username"):
        assert key in body
    assert "password" not in body and "password_hash" not in body and "argon2" not in str(body)
    got = client.get(f"/users/{name}")
    assert got.status_code == 200 and got.json()["username"] == name
    assert "argon2" not in got.text and PW not in got.text


def test_default_role_is_op_and_airflow_roles(client: httpx.Client) -> None:
    _, body = _new(client)
    assert body["roles"] == [{"name": "Op"}] and body["is_admin"] is False
    _, body = _new(client, roles=[{"name": "Viewer"}], first_name="Ada", last_name="L")
    assert body["roles"] == [{"name": "Viewer"}] and body["first_name"] == "Ada"
    _, body = _new(client, roles=[{"name": "Viewer"}, {"name": "User"}])
    assert body["roles"] == [{"name": "User"}, {"name": "Viewer"}]  # a user has all they name


def test_patch_seed_and_airflow(client: httpx.Client) -> None:
    name, _ = _new(client)
    r = client.patch(f"/users/{name}", json={"is_admin": True, "email": f"{name}@new.example.com"})
    assert r.status_code == 200, r.text
    assert r.json()["is_admin"] is True and r.json()["email"].endswith("@new.example.com")
    r = client.patch(f"/users/{name}", params={"update_mask": "roles"},
                     json={"roles": [{"name": "Viewer"}], "first_name": "ignored"})
    assert r.json()["roles"] == [{"name": "Viewer"}] and r.json()["first_name"] == ""
    r = client.patch(f"/users/{name}", json={"is_admin": False})
    assert r.json()["roles"] == [{"name": "Viewer"}]
    r = client.patch(f"/users/{name}", json={"is_active": False, "last_name": "Z"})
    assert r.json()["is_active"] is False and r.json()["last_name"] == "Z"
    renamed = unique("u")
    r = client.patch(f"/users/{name}", json={"username": renamed})
    assert r.status_code == 200 and r.json()["username"] == renamed
    assert client.get(f"/users/{name}").status_code == 404
    assert client.delete(f"/users/{renamed}").status_code == 204
    assert client.delete(f"/users/{renamed}").status_code == 404


def test_duplicates_are_409(client: httpx.Client) -> None:
    name, _ = _new(client)
    r = client.post("/users", json={"username": name, "email": f"x{name}@example.com",
                                    "password": PW})
    assert r.status_code == 409
    r = client.post("/users", json={"username": unique("u"), "email": f"{name}@example.com",
                                    "password": PW})
    assert r.status_code == 409
    other, _ = _new(client)
    assert client.patch(f"/users/{other}", json={"username": name}).status_code == 409
    assert client.patch(f"/users/{other}",
                        json={"email": f"{name.upper()}@example.com"}).status_code == 409


@pytest.mark.parametrize(
    "body",
    [
        {"username": "ok1", "email": "not-an-email", "password": PW},
        {"username": "ok2", "email": "a@b@c.com", "password": PW},
        {"username": "", "email": "e@example.com", "password": PW},
        {"username": "u" * 257, "email": "e@example.com", "password": PW},
        {"username": "has space", "email": "e@example.com", "password": PW},
        {"username": "ok3", "email": "e3@example.com"},
        {"username": "ok4", "email": "e4@example.com", "password": ""},
        {"username": "ok5", "email": "e5@example.com", "password": PW, "roles": [{"name": "God"}]},
        {"username": "ok6", "email": "e6@example.com", "password": PW, "roles": "Admin"},
        {"username": "ok7", "email": "e7@example.com", "password": PW, "is_admin": True,
         "roles": [{"name": "Viewer"}]},
        {"username": "ok8", "email": "e8@example.com", "password": PW, "salary": 1},
        {"username": "ok9", "email": "e9@example.com", "password": PW, "is_admin": "yes"},
    ],
)
def test_bad_create_is_400(client: httpx.Client, body: dict) -> None:
    r = client.post("/users", json=body)
    assert r.status_code == 400, r.text


def test_bad_patch_and_order(client: httpx.Client) -> None:
    name, _ = _new(client)
    assert client.patch(f"/users/{name}", json={"email": "nope"}).status_code == 400
    assert client.patch(f"/users/{name}", params={"update_mask": "password_hash"},
                        json={}).status_code == 400
    assert client.patch(f"/users/{unique('x')}", json={"email": "a@example.com"}).status_code == 404
    assert client.get("/users", params={"order_by": "password_hash"}).status_code == 400
    listed = client.get("/users", params={"order_by": "-username", "limit": 100})
    assert listed.status_code == 200 and listed.json()["total_entries"] >= 2
    assert "argon2" not in listed.text


def test_admin_cannot_delete_self(client: httpx.Client) -> None:
    r = client.delete("/users/admin")
    assert r.status_code == 400
    assert client.get("/users/admin").status_code == 200


def test_password_change_and_deactivation_are_immediate(server, api: httpx.Client) -> None:
    name, _ = _new(api)
    with server.client(auth=(name, PW)) as me:
        assert me.get("/variables").status_code == 200  # now remembered by the cache
        assert api.patch(f"/users/{name}", json={"password": PW + "x"}).status_code == 200
        assert me.get("/variables").status_code == 401
    with server.client(auth=(name, PW + "x")) as me:
        assert me.get("/variables").status_code == 200
        api.patch(f"/users/{name}", json={"is_active": False})
        r = me.get("/variables")
        assert r.status_code == 401 and "WWW-Authenticate" in r.headers
        api.patch(f"/users/{name}", json={"is_active": True})
        assert me.get("/variables").status_code == 200
        api.delete(f"/users/{name}")
        assert me.get("/variables").status_code == 401


def test_fresh_login_updates_last_login_and_count(server, api: httpx.Client) -> None:
    """A password login that ran argon2 counts; remembered credentials do not."""
    name, body = _new(api)
    assert body["login_count"] == 0 and body["last_login"] is None
    with server.client(auth=(name, PW)) as user:
        for _ in range(3):  # the first verifies the password, the others are remembered
            assert user.get("/pools").status_code == 200
    got = api.get(f"/users/{name}").json()
    assert got["login_count"] == 1
    assert got["last_login"] is not None
    with server.client(auth=(name, "wrong-" + PW)) as bad:
        assert bad.get("/pools").status_code == 401
        assert bad.get("/pools").status_code == 401
    got = api.get(f"/users/{name}").json()
    assert (got["login_count"], got["failed_login_count"]) == (1, 2)
