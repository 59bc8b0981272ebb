"""The built-in roles, expressed as Airflow permissions, decide exactly as Crosswind's fixed
roles did before the permission model (the reference below is that old rule, verbatim in
meaning), for every resource, action and method; and per-DAG permissions narrow as FAB's."""

from __future__ import annotations

import pytest

from crosswind.api.principal import Principal
from crosswind.roles import BUILTIN, RESOURCE_OF, Permissions, unknown_permission

_DAG = {"dag", "dag_run", "task_instance", "log", "xcom", "dag_source", "dag_warning"}
_VIEW = _DAG | {"import_error", "event_log", "dataset"}


def old_rule(role: str, resource: str, action: str) -> bool:
    """Crosswind's rights before roles were data (roles.role_allows of the previous version)."""
    if role == "Admin":
        return True
    if resource in _VIEW:
        return action == "read" or role in ("User", "Op")
    if resource in {"variable", "connection", "pool"}:
        return role == "Op"
    if resource in {"config", "plugin", "provider"}:
        return action == "read" and role == "Op"
    if resource == "dataset_queue":
        return action == "read" or role == "Op"
    return False


# The write methods each resource's routes really use (a DAG's sources, logs, XComs,
# warnings, import errors and the event log have no write routes).
WRITES = {"dag": ("PATCH", "DELETE", "PUT"), "dag_run": ("POST", "PATCH", "DELETE"),
          "task_instance": ("POST", "PATCH"), "dataset": ("POST",),
          "dataset_queue": ("DELETE",), "variable": ("POST", "PATCH", "DELETE"),
          "connection": ("POST", "PATCH", "DELETE"), "pool": ("POST", "PATCH", "PUT", "DELETE"),
          "user": ("POST", "PATCH", "DELETE")}


@pytest.mark.parametrize("role", ["Admin", "Op", "User", "Viewer"])
@pytest.mark.parametrize("resource", sorted(set(RESOURCE_OF) - {"role", "permission"}))
def test_builtin_roles_keep_their_rights(role: str, resource: str) -> None:
    who = Principal(1, "u", (role,), Permissions(BUILTIN[role]))
    assert who.can(resource, "read") == old_rule(role, resource, "read")
    for method in WRITES.get(resource, ()):
        assert who.can(resource, "write", method) == old_rule(role, resource, "write"), method
    if resource in _DAG:
        assert who.can_dag("any_dag") == old_rule(role, resource, "read")


def test_public_has_nothing_and_admin_alone_manages_roles() -> None:
    public = Principal(1, "u", ("Public",), Permissions(BUILTIN["Public"]))
    assert not any(public.can(r, "read") for r in RESOURCE_OF)
    for role in ("Op", "User", "Viewer"):
        who = Principal(1, "u", (role,), Permissions(BUILTIN[role]))
        assert not who.can("role", "read") and not who.can("permission", "read")
    admin = Principal(1, "u", ("Admin",), Permissions(BUILTIN["Admin"]))
    assert admin.can("role", "write", "DELETE") and admin.is_admin


def test_per_dag_permissions_narrow_dag_lists() -> None:
    perms = Permissions(frozenset({("can_read", "DAG:a"), ("can_edit", "DAG:b"),
                                   ("can_read", "DAG Runs")}))
    who = Principal(1, "u", ("r",), perms)
    assert who.dag_ids == {"a"} and who.editable_dag_ids == {"b"}
    assert who.can("dag", "read") and who.can_dag("a") and not who.can_dag("b")
    assert who.can("dag_run", "read") and not who.can("task_instance", "read")
    token = Principal(1, "u", ("r",), perms, scopes=frozenset({"read"}),
                      token_dag_ids=frozenset({"a", "c"}))
    assert token.dag_ids == {"a"} and not token.can("dag", "write", "PATCH")
    viewer = Principal(1, "u", ("Viewer",), Permissions(BUILTIN["Viewer"]),
                       token_dag_ids=frozenset({"c"}))
    assert viewer.dag_ids == {"c"}


@pytest.mark.parametrize(("action", "resource", "ok"), [
    ("can_read", "DAGs", True), ("menu_access", "Website", True),
    ("can_read", "DAG:etl", True), ("can_create", "DAG Run:etl", True),
    ("can_fly", "DAGs", False), ("can_read", "Spaceships", False), ("can_read", "dags", False),
])
def test_known_permissions(action: str, resource: str, ok: bool) -> None:
    assert (unknown_permission(action, resource) is None) is ok
