"""The Airflow dialect's answers for administration: users, roles, pools, variables,
connections, config, plugins, providers, health and the event log.

Field names, types, nullability and enums follow Airflow 2's stable API (see
`crosswind.api.openapi.airflow`); descriptions are ours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from crosswind.api.openapi.airflow.common import ABSENT, CollectionInfo, HealthStatus, Model


class UserCollectionItemRole(Model):
    """The name of a role held by a user."""

    name: str = ABSENT


class UserCollectionItem(Model):
    """A user account as listed; never carries the password."""

    is_active: bool | None = None  # the seed's name of active
    is_admin: bool | None = None  # the seed's view of roles
    first_name: str = ABSENT
    last_name: str = ABSENT
    username: str = ABSENT
    email: str = ABSENT
    active: bool | None = None
    last_login: str | None = None
    login_count: int | None = None
    failed_login_count: int | None = None
    roles: list[UserCollectionItemRole | None] = ABSENT
    created_on: str | None = None
    changed_on: str | None = None


class User(UserCollectionItem):
    """A user account."""


class UserCollection(CollectionInfo):
    """One page of users."""

    users: list[UserCollectionItem] = ABSENT


class ConnectionCollectionItem(Model):
    """A connection as listed: no password, no extra."""

    conn_id: str | None = None  # the seed's name of connection_id
    connection_id: str = ABSENT
    conn_type: str = ABSENT
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema_: str | None = Field(None, alias="schema")
    port: int | None = None


class ConnectionCollection(CollectionInfo):
    """One page of connections."""

    connections: list[ConnectionCollectionItem] = ABSENT


class Connection(ConnectionCollectionItem):
    """A connection; the password is never returned."""

    extra: str | None = None


class ConnectionTest(Model):
    """The outcome of probing a connection."""

    status: bool = ABSENT
    message: str = ABSENT


class EventLog(Model):
    """One audit log entry."""

    event_log_id: int = ABSENT
    when: datetime = ABSENT
    dag_id: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    map_index: int | None = None
    try_number: int | None = None
    event: str = ABSENT
    execution_date: datetime | None = None
    owner: str | None = None
    extra: str | None = None


class EventLogCollection(CollectionInfo):
    """One page of audit log entries."""

    event_logs: list[EventLog] = ABSENT


class DagProcessorStatus(Model):
    """Health of the DAG processor, from its heartbeat."""

    status: HealthStatus | None = None
    latest_dag_processor_heartbeat: str | None = None


class MetadatabaseStatus(Model):
    """Whether the database answers."""

    status: HealthStatus | None = None


class SchedulerStatus(Model):
    """Health of the scheduler, from its heartbeat."""

    status: HealthStatus | None = None
    latest_scheduler_heartbeat: str | None = None


class TriggererStatus(Model):
    """Health of the triggerer, from its heartbeat."""

    status: HealthStatus | None = None
    latest_triggerer_heartbeat: str | None = None


class HealthInfo(Model):
    """Health of each component."""

    metadatabase: MetadatabaseStatus = ABSENT
    scheduler: SchedulerStatus = ABSENT
    triggerer: TriggererStatus = ABSENT
    dag_processor: DagProcessorStatus = ABSENT


class Pool(Model):
    """A pool of slots shared by tasks, with its occupancy."""

    pool_id: str | None = None  # the seed's name of name
    name: str = ABSENT
    slots: int = ABSENT
    occupied_slots: int = ABSENT
    running_slots: int = ABSENT
    queued_slots: int = ABSENT
    open_slots: int = ABSENT
    scheduled_slots: int = ABSENT
    deferred_slots: int = ABSENT
    description: str | None = None
    include_deferred: bool = ABSENT


class PoolCollection(CollectionInfo):
    """One page of pools."""

    pools: list[Pool] = ABSENT


class Provider(Model):
    """A provider package and its version."""

    package_name: str = ABSENT
    description: str = ABSENT
    version: str = ABSENT


class ProviderCollection(Model):
    """The providers Crosswind offers."""

    providers: list[Provider] = ABSENT


class VariableCollectionItem(Model):
    """A variable as listed."""

    val: str | None = None  # the seed's name of value
    value: str | None = None
    key: str = ABSENT
    description: str | None = None


class VariableCollection(CollectionInfo):
    """One page of variables."""

    variables: list[VariableCollectionItem] = ABSENT


class Variable(VariableCollectionItem):
    """A variable with its value."""

    value: str = ABSENT


class PluginCollectionItem(Model):
    """A loaded plugin and what it provides."""

    name: str = ABSENT
    hooks: list[str | None] = ABSENT
    executors: list[str | None] = ABSENT
    macros: list[str | None] = ABSENT
    flask_blueprints: list[str | None] = ABSENT
    appbuilder_views: list[dict[str, Any] | None] = ABSENT
    appbuilder_menu_items: list[dict[str, Any] | None] = ABSENT
    global_operator_extra_links: list[str | None] = ABSENT
    operator_extra_links: list[str | None] = ABSENT
    source: str | None = None
    ti_deps: list[str] = ABSENT
    listeners: list[str] = ABSENT
    timetables: list[str] = ABSENT


class PluginCollection(CollectionInfo):
    """One page of plugins."""

    plugins: list[PluginCollectionItem] = ABSENT


class Action(Model):
    """A permission's action, such as can_read."""

    name: str = ABSENT


class Resource(Model):
    """A permission's resource, such as DAG Runs or DAG:<dag_id>."""

    name: str = ABSENT


class ActionResource(Model):
    """One permission: an action on a resource."""

    action: Action = ABSENT
    resource: Resource = ABSENT


class Role(Model):
    """A role: a name and its permissions."""

    name: str = ABSENT
    actions: list[ActionResource] = ABSENT


class RoleCollection(CollectionInfo):
    """One page of roles."""

    roles: list[Role] = ABSENT


class ActionCollection(CollectionInfo):
    """One page of the permissions that exist."""

    actions: list[Action] = ABSENT


class ConfigOption(Model):
    """One configuration option and its value."""

    key: str = ABSENT
    value: str = ABSENT


class ConfigSection(Model):
    """One configuration section."""

    name: str = ABSENT
    options: list[ConfigOption] = ABSENT


class Config(Model):
    """The configuration, by section."""

    sections: list[ConfigSection] = ABSENT


class VersionInfo(Model):
    """The server's version."""

    version: str = ABSENT
    git_version: str | None = None
