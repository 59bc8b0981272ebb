"""Roles and permissions, in Airflow 2's FAB model.

A permission is an (action, resource) pair with Airflow's names: actions `can_read`,
`can_create`, `can_edit`, `can_delete`, `menu_access`; resources `DAGs`, `DAG Runs`,
`Task Instances`, `Variables`, ... and per-DAG `DAG:<dag_id>` (and `DAG Run:<dag_id>`).
A role is a set of permissions; a user has one or more roles and may do what any of them
allows. The built-in roles (BUILTIN) are seeded at every start and cannot be changed or
deleted through the API; they keep Crosswind's rights:

    Public  nothing.
    Viewer  reads DAGs and everything that hangs off them (runs, task instances, logs,
            XComs, sources, warnings), import errors, the audit log and datasets.
    User    Viewer + changes DAGs (pause, delete, reparse), runs and task instances
            (trigger, clear, set state), creates dataset events.
    Op      User + variables, connections, pools, deletes queued dataset events, reads the
            configuration, plugins and providers (everything but users and roles).
    Admin   every permission, users and roles included.

Routes name what they touch with Crosswind's resource keys ("dag_run", "pool", ...) and
"read"/"write"; `RESOURCE_OF` gives each key its Airflow resource, and `fab_action` turns
"write" into the action of the HTTP method (POST create, PATCH/PUT edit, DELETE delete).
A DAG's sub-resources (runs, task instances, logs, ...) need, as in Airflow, both the
permission on the sub-resource and `can_read` (GET) or `can_edit` (other methods) on the
DAG: on `DAGs` for all DAGs or on `DAG:<dag_id>` for one.

A personal access token narrows its user's rights: scope `read` allows reads, `write` adds
changes, `admin` adds user and role management; `dag_ids` confines it to those DAGs.
"""

from __future__ import annotations

from itertools import product
from typing import Literal

Action = Literal["read", "write"]
Perm = tuple[str, str]  # (action, resource)

READ, CREATE, EDIT, DELETE, MENU = "can_read", "can_create", "can_edit", "can_delete", "menu_access"
ACTIONS = (CREATE, READ, EDIT, DELETE, MENU)
DAG_PREFIX, DAG_RUN_PREFIX = "DAG:", "DAG Run:"
DAGS, DAG_RUNS = "DAGs", "DAG Runs"

# Crosswind's resource keys -> Airflow's resource names.
RESOURCE_OF = {
    "dag": DAGS, "dag_run": DAG_RUNS, "task_instance": "Task Instances", "log": "Task Logs",
    "xcom": "XComs", "dag_source": "DAG Code", "dag_warning": "DAG Warnings",
    "import_error": "ImportError", "event_log": "Audit Logs", "dataset": "Datasets",
    "dataset_queue": "Datasets", "variable": "Variables", "connection": "Connections",
    "pool": "Pools", "config": "Configurations", "plugin": "Plugins", "provider": "Providers",
    "user": "Users", "role": "Roles", "permission": "Permissions",
}
# Resources that belong to a DAG: also need access to the DAG itself (see module docstring).
DAG_ENTITIES = frozenset({"dag_run", "task_instance", "log", "xcom", "dag_source",
                          "dag_warning"})
# What a token confined to `dag_ids` can still reach.
DAG_RESOURCES = DAG_ENTITIES | {"dag"}
ADMIN_RESOURCES = frozenset({"user", "role", "permission"})
# Resources with nothing behind them in Crosswind but known to Airflow (menus, pages):
# accepted in roles so that roles exported from Airflow load unchanged.
_OTHER_RESOURCES = ("Admin", "Browse", "Docs", "Documentation", "DAG Dependencies",
                    "Cluster Activity", "Jobs", "My Password", "My Profile", "Passwords",
                    "SLA Misses", "Task Reschedules", "Triggers", "Website", "View Menus",
                    "Permission Views", "User Stats Chart")
RESOURCES = tuple(sorted(set(RESOURCE_OF.values()) | set(_OTHER_RESOURCES)))

_VIEWER_READS = (DAGS, DAG_RUNS, "Task Instances", "Task Logs", "XComs", "DAG Code",
                 "DAG Warnings", "ImportError", "Audit Logs", "Datasets", "DAG Dependencies",
                 "Cluster Activity", "Jobs", "My Password", "My Profile", "SLA Misses",
                 "Website")
_VIEWER_MENUS = ("Browse", DAGS, "DAG Dependencies", DAG_RUNS, "Datasets", "Cluster Activity",
                 "Docs", "Documentation", "Jobs", "SLA Misses", "Task Instances")
VIEWER = frozenset(
    [(READ, r) for r in _VIEWER_READS] + [(MENU, r) for r in _VIEWER_MENUS]
    + [(EDIT, "My Password"), (EDIT, "My Profile")])
USER = VIEWER | {(EDIT, DAGS), (DELETE, DAGS), (CREATE, "Datasets")} | set(
    product((CREATE, EDIT, DELETE), (DAG_RUNS, "Task Instances")))
OP = USER | set(product((CREATE, READ, EDIT, DELETE), ("Variables", "Connections", "Pools"))) | {
    (READ, "Configurations"), (READ, "Plugins"), (READ, "Providers"), (DELETE, "Datasets"),
    (DELETE, "XComs")} | {(MENU, r) for r in ("Admin", "Configurations", "Connections", "Pools",
                                              "Plugins", "Variables", "Providers", "XComs")}
ADMIN = frozenset(product(ACTIONS, RESOURCES))
BUILTIN: dict[str, frozenset[Perm]] = {
    "Admin": ADMIN, "Op": frozenset(OP), "User": frozenset(USER), "Viewer": VIEWER,
    "Public": frozenset()}
ROLES = ("Admin", "Op", "User", "Viewer", "Public")  # most privileged first
DEFAULT_ROLE = "Op"
SCOPES = ("read", "write", "admin")


def fab_action(action: Action, method: str) -> str:
    """The Airflow action a request needs: reads `can_read`; writes by HTTP method."""
    if action == "read":
        return READ
    return {"POST": CREATE, "DELETE": DELETE}.get(method, EDIT)


def unknown_permission(action: str, resource: str) -> str | None:
    """Why (action, resource) is no permission (None when it is one). Per-DAG resources
    are checked against the DAGs that exist by the caller (crosswind.store.roles)."""
    if action not in ACTIONS:
        return f"The specified action: {action!r} was not found"
    if resource in RESOURCES or resource.startswith((DAG_PREFIX, DAG_RUN_PREFIX)):
        return None
    return f"The specified resource: {resource!r} was not found"


def per_dag(resource: str) -> str | None:
    """The dag_id of a per-DAG resource (`DAG:etl` -> `etl`), else None."""
    for prefix in (DAG_PREFIX, DAG_RUN_PREFIX):
        if resource.startswith(prefix):
            return resource[len(prefix):]
    return None


class Permissions:
    """The union of a user's roles' permissions, with the per-DAG sets precomputed: every
    request asks them, and a user's permissions change only with their roles."""

    __slots__ = ("_dags", "_runs", "pairs")

    def __init__(self, pairs: frozenset[Perm]) -> None:
        self.pairs = pairs
        self._dags = {a: self._per_dag(a, DAGS, DAG_PREFIX) for a in (READ, EDIT, DELETE)}
        self._runs = {a: self._per_dag(a, DAG_RUNS, DAG_RUN_PREFIX) for a in ACTIONS}

    def _per_dag(self, action: str, whole: str, prefix: str) -> frozenset[str] | None:
        if (action, whole) in self.pairs:
            return None
        return frozenset(r[len(prefix):] for a, r in self.pairs
                         if a == action and r.startswith(prefix))

    def has(self, action: str, resource: str) -> bool:
        return (action, resource) in self.pairs

    def dags(self, action: str) -> frozenset[str] | None:
        """The DAGs `action` is allowed on: None for every DAG (the `DAGs` permission)."""
        return self._dags.get(action, frozenset())

    def may_dag(self, action: str, dag_id: str | None) -> bool:
        """`action` on this DAG; with no dag_id, on at least one DAG (a list to filter)."""
        allowed = self.dags(action)
        return allowed is None or (dag_id in allowed if dag_id else bool(allowed))

    def may_runs(self, action: str, dag_id: str | None) -> bool:
        """`action` on DAG Runs: on all, or on `DAG Run:<dag_id>` (Airflow 2.9's per-DAG
        run permission)."""
        allowed = self._runs.get(action, frozenset())
        return allowed is None or (dag_id in allowed if dag_id else bool(allowed))


def scopes_allow(scopes: frozenset[str], resource: str, action: Action) -> bool:
    if resource in ADMIN_RESOURCES:
        return "admin" in scopes
    if action == "read":
        return bool(scopes)
    return bool(scopes & {"write", "admin"})
