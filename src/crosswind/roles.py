"""Roles and their rights, with Airflow 2's meanings.

    Viewer  reads DAGs and everything that hangs off them (runs, task instances, logs,
            XComs, sources), import errors and the event log.
    User    Viewer + changes DAGs (pause), runs and task instances (trigger, clear, set state),
            creates dataset events.
    Op      User + variables, connections, pools and queued dataset events (everything but
            user management).
    Admin   everything, including users and other users' tokens.

A personal access token narrows its user's rights: scope `read` allows reads, `write` adds
changes, `admin` adds user management; `dag_ids` confines it to those DAGs' resources.
"""

from __future__ import annotations

from typing import Literal

Action = Literal["read", "write"]
ROLES = ("Admin", "Op", "User", "Viewer")
DEFAULT_ROLE = "Op"
SCOPES = ("read", "write", "admin")

DAG_RESOURCES = frozenset(
    {"dag", "dag_run", "task_instance", "log", "xcom", "dag_source", "dag_warning"}
)
# "dataset": read by all, written (POST /datasets/events) by User and above;
# "dataset_queue": read by all, deleted by Op and above (Airflow's FAB Datasets grants).
VIEW_RESOURCES = DAG_RESOURCES | {"import_error", "event_log", "dataset"}
OP_RESOURCES = frozenset({"variable", "connection", "pool"})
# Read by Op and Admin only (Airflow's OP_PERMISSIONS): the configuration, plugins, providers.
OP_READ_RESOURCES = frozenset({"config", "plugin", "provider"})
ADMIN_RESOURCES = frozenset({"user"})


def role_allows(role: str, resource: str, action: Action) -> bool:
    if role == "Admin":
        return True
    if resource in VIEW_RESOURCES:
        return action == "read" or role in ("User", "Op")
    if resource in OP_RESOURCES:
        return role == "Op"
    if resource in OP_READ_RESOURCES:
        return action == "read" and role == "Op"
    if resource == "dataset_queue":
        return action == "read" or role == "Op"
    return False


def scopes_allow(scopes: frozenset[str], resource: str, action: Action) -> bool:
    if resource in ADMIN_RESOURCES:
        return "admin" in scopes if action == "write" else bool(scopes & {"admin"})
    if action == "read":
        return bool(scopes)
    return bool(scopes & {"write", "admin"})
