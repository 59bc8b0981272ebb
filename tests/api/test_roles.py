"""/roles and /permissions in both dialects, and custom roles deciding what a user reaches.

The built-in roles' rights are tests/api/test_auth_matrix.py's (unchanged by the model);
here: the role API as Airflow 2.11 serves it, and per-DAG permissions (`DAG:<dag_id>`)
narrowing lists and single reads of DAGs, their runs and their task instances.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import httpx
import pytest

from support import dag_rows, unique

PREFIXES = ["/api/v1", "/airflow/api/v1"]
D1 = datetime(2026, 1, 1, tzinfo=UTC)


def _perm(action: str, resource: str) -> dict:
    return {"action": {"name": action}, "resource": {"name": resource}}


@pytest.fixture
def make_role(api: httpx.Client) -> Iterator[Callable[..., str]]:
    made: list[str] = []

    def make(*perms: tuple[str, str]) -> str:
        name = unique("role")
        r = api.post("/roles", json={"name": name, "actions": [_perm(*p) for p in perms]})
        assert r.status_code == 200, r.text
        made.append(name)
        return name

    yield make
    for name in made:
        api.delete(f"/roles/{name}")


@pytest.fixture
def user_with(api: httpx.Client) -> Iterator[Callable[..., tuple[str, str]]]:
    made: list[str] = []

    def make(*roles: str) -> tuple[str, str]:
        name, password = unique("u"), "pw-" + uuid.uuid4().hex
        r = api.post("/users", json={"username": name, "email": f"{name}@example.com",
                                     "password": password,
                                     "roles": [{"name": n} for n in roles]})
        assert r.status_code == 200, r.text
        made.append(name)
        return name, password

    yield make
    for name in made:
        api.delete(f"/users/{name}")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_builtin_roles_listed_in_airflows_shape(server, prefix: str) -> None:
    with server.client(prefix=prefix) as c:
        body = c.get("/roles", params={"limit": 100}).json()
        names = [r["name"] for r in body["roles"]]
        assert {"Admin", "Op", "User", "Viewer", "Public"} <= set(names)
        assert names == sorted(names) and body["total_entries"] == len(names)
        viewer = c.get("/roles/Viewer").json()
        assert set(viewer) == {"name", "actions"}
        pairs = {(a["action"]["name"], a["resource"]["name"]) for a in viewer["actions"]}
        assert ("can_read", "DAGs") in pairs and ("can_edit", "DAGs") not in pairs
        assert c.get("/roles/Public").json()["actions"] == []
        assert [r["name"] for r in c.get("/roles", params={"order_by": "-name"}).json()["roles"]
                ] == sorted(names, reverse=True)
        one = c.get("/roles", params={"limit": 1, "offset": 1}).json()
        assert [r["name"] for r in one["roles"]] == names[1:2]
        assert one["total_entries"] == len(names)
        assert c.get("/roles", params={"order_by": "actions"}).status_code == 400
        assert c.get("/roles/NoSuchRole").status_code == 404
        perms = c.get("/permissions").json()
        assert {a["name"] for a in perms["actions"]} == {
            "can_create", "can_read", "can_edit", "can_delete", "menu_access"}
        assert perms["total_entries"] == 5


@pytest.mark.parametrize("prefix", PREFIXES)
def test_custom_role_lifecycle(server, prefix: str) -> None:
    name = unique("role")
    with server.client(prefix=prefix) as c:
        body = {"name": name, "actions": [_perm("can_read", "Pools")]}
        created = c.post("/roles", json=body)
        assert created.status_code == 200
        assert created.json() == {"name": name, "actions": [_perm("can_read", "Pools")]}
        again = c.post("/roles", json=body)
        assert again.status_code == 409 and "already exists" in again.json()["detail"]
        r = c.patch(f"/roles/{name}", json={"actions": [_perm("can_edit", "Pools"),
                                                         _perm("can_read", "Pools")]})
        assert r.status_code == 200 and len(r.json()["actions"]) == 2
        renamed = unique("role")
        r = c.patch(f"/roles/{name}", params={"update_mask": "name"},
                    json={"name": renamed, "actions": []})
        assert r.json()["name"] == renamed and len(r.json()["actions"]) == 2  # mask: name only
        assert c.get(f"/roles/{name}").status_code == 404
        assert c.patch(f"/roles/{renamed}", json={"name": "Viewer"}).status_code == 400
        other = unique("role")
        assert c.post("/roles", json={"name": other, "actions": []}).status_code == 200
        assert c.patch(f"/roles/{renamed}", json={"name": other}).status_code == 409
        assert c.patch(f"/roles/{renamed}", params={"update_mask": "nope"},
                       json={}).status_code == 400
        assert c.delete(f"/roles/{renamed}").status_code == 204
        assert c.delete(f"/roles/{other}").status_code == 204
        assert c.delete(f"/roles/{renamed}").status_code == 404


@pytest.mark.parametrize(("perm", "detail"), [
    (("can_fly", "DAGs"), "action: 'can_fly'"),
    (("can_read", "Spaceships"), "resource: 'Spaceships'"),
    (("can_read", "DAG:no_such_dag_anywhere"), "resource: 'DAG:no_such_dag_anywhere'"),
])
def test_unknown_action_or_resource_is_400(api: httpx.Client, perm, detail: str) -> None:
    name = unique("role")
    r = api.post("/roles", json={"name": name, "actions": [_perm(*perm)]})
    assert r.status_code == 400 and detail in r.json()["detail"]
    assert api.get(f"/roles/{name}").status_code == 404  # nothing half-made


@pytest.mark.parametrize("body", [{"actions": []}, {"name": "", "actions": []},
                                  {"name": "x", "actions": [{"action": "can_read"}]},
                                  {"name": "x", "actions": "all"}])
def test_malformed_role_is_400(api: httpx.Client, body: dict) -> None:
    assert api.post("/roles", json=body).status_code == 400


@pytest.mark.parametrize("role", ["Admin", "Op", "User", "Viewer", "Public"])
def test_builtin_roles_cannot_be_deleted_or_changed(api: httpx.Client, role: str) -> None:
    before = api.get(f"/roles/{role}").json()
    r = api.delete(f"/roles/{role}")
    assert r.status_code == 400 and "built-in" in r.json()["detail"]
    r = api.patch(f"/roles/{role}", json={"actions": []})
    assert r.status_code == 400
    assert api.get(f"/roles/{role}").json() == before


@pytest.mark.parametrize("who", ["Op", "User", "Viewer"])
def test_only_admins_manage_roles(server, make_user, who: str) -> None:
    name, pw = make_user(who)
    with server.client(auth=(name, pw)) as c:
        assert c.get("/roles").status_code == 403
        assert c.get("/permissions").status_code == 403
        assert c.post("/roles", json={"name": unique("r"), "actions": []}).status_code == 403
        assert c.delete("/roles/Viewer").status_code == 403


def test_admin_token_scopes_gate_roles(api: httpx.Client, server) -> None:
    secret = api.post("/users/admin/tokens", json={"name": unique("t"), "scopes": ["write"]}
                      ).json()["token"]
    with server.client(auth=None, headers={"Authorization": f"Bearer {secret}"}) as c:
        assert c.get("/roles").status_code == 403  # role management needs the admin scope


def _two_dags_with_runs(url: str) -> tuple[str, str, str, str]:
    a, b = dag_rows.new_dag(url, "ra"), dag_rows.new_dag(url, "rb")
    return (a["dag_id"], dag_rows.insert_run(url, a, D1),
            b["dag_id"], dag_rows.insert_run(url, b, D1))


def test_role_reading_one_dag_sees_only_that_dag(server, make_role, user_with) -> None:
    a, run_a, b, run_b = _two_dags_with_runs(server.database_url)
    role = make_role(("can_read", f"DAG:{a}"), ("can_read", "DAG Runs"),
                     ("can_read", "Task Instances"))
    name, pw = user_with(role)
    for prefix in PREFIXES:
        with server.client(auth=(name, pw), prefix=prefix) as c:
            dags = c.get("/dags", params={"limit": 100}).json()
            assert [d["dag_id"] for d in dags["dags"]] == [a] and dags["total_entries"] == 1
            assert c.get(f"/dags/{a}").status_code == 200
            assert c.get(f"/dags/{b}").status_code == 403
            runs = c.get("/dags/~/dagRuns").json()
            assert {r["dag_id"] for r in runs["dag_runs"]} == {a}
            assert c.get(f"/dags/{a}/dagRuns/{run_a}").status_code == 200
            assert c.get(f"/dags/{b}/dagRuns/{run_b}").status_code == 403
            assert c.get(f"/dags/{b}/dagRuns").status_code == 403
            listed = c.post("/dags/~/dagRuns/list", json={"dag_ids": [a, b]}).json()
            assert {r["dag_id"] for r in listed["dag_runs"]} == {a}
            tis = c.get("/dags/~/dagRuns/~/taskInstances").json()
            assert tis["task_instances"] and {t["dag_id"] for t in tis["task_instances"]} == {a}
            assert c.get(f"/dags/{a}/dagRuns/{run_a}/taskInstances/a").status_code == 200
            assert c.get(f"/dags/{b}/dagRuns/{run_b}/taskInstances/a").status_code == 403
            # Reading is not editing, and nothing outside DAGs was granted.
            assert c.patch(f"/dags/{a}", json={"is_paused": False}).status_code == 403
            assert c.get("/pools").status_code == 403


def test_dag_permission_without_runs_permission_is_403(server, make_role, user_with) -> None:
    a, run_a, _, _ = _two_dags_with_runs(server.database_url)
    name, pw = user_with(make_role(("can_read", f"DAG:{a}")))
    with server.client(auth=(name, pw)) as c:
        assert c.get(f"/dags/{a}").status_code == 200
        assert c.get(f"/dags/{a}/dagRuns/{run_a}").status_code == 403  # as Airflow's FAB


def test_per_dag_edit_and_role_changes_apply_at_once(server, api, make_role,
                                                     user_with) -> None:
    a, _, b, _ = _two_dags_with_runs(server.database_url)
    role = make_role(("can_read", "DAGs"))
    name, pw = user_with(role)
    with server.client(auth=(name, pw)) as c:
        assert c.patch(f"/dags/{a}", json={"is_paused": True}).status_code == 403
        r = api.patch(f"/roles/{role}", json={"actions": [
            _perm("can_read", "DAGs"), _perm("can_edit", f"DAG:{a}")]})
        assert r.status_code == 200
        assert c.patch(f"/dags/{a}", json={"is_paused": True}).status_code == 200
        assert c.patch(f"/dags/{b}", json={"is_paused": True}).status_code == 403
        bulk = c.patch("/dags", params={"dag_id_pattern": "r"}, json={"is_paused": True})
        assert {d["dag_id"] for d in bulk.json()["dags"]} == {a}  # only what it may edit
        api.delete(f"/roles/{role}")  # its users lose it: nothing left
        assert c.get(f"/dags/{a}").status_code == 403


def test_users_take_several_and_custom_roles(api: httpx.Client, make_role, server) -> None:
    role = make_role(("can_read", "Pools"))
    name, pw = unique("u"), "pw-" + uuid.uuid4().hex
    r = api.post("/users", json={"username": name, "email": f"{name}@example.com",
                                 "password": pw, "roles": [{"name": "Viewer"}, {"name": role}]})
    try:
        assert r.status_code == 200
        assert {x["name"] for x in r.json()["roles"]} == {"Viewer", role}
        with server.client(auth=(name, pw)) as c:
            assert c.get("/pools").status_code == 200  # from the custom role
            assert c.get("/dags").status_code == 200  # from Viewer
            assert c.get("/variables").status_code == 403
        r = api.patch(f"/users/{name}", params={"update_mask": "roles"},
                      json={"roles": [{"name": "NoSuchRole"}]})
        assert r.status_code == 400 and "NoSuchRole" in r.json()["detail"]
        r = api.patch(f"/users/{name}", json={"roles": [{"name": role}]})
        assert r.json()["roles"] == [{"name": role}]
        with server.client(auth=(name, pw)) as c:
            assert c.get("/dags").status_code == 403
    finally:
        api.delete(f"/users/{name}")
