"""What each operation answers on success: (method, path) -> status, media types, shape.

Shapes are named by their Airflow name (`airflow/`) or ours (`own_shapes`); the seed
dialect swaps the few that differ (`seed_shapes.SEED_REPLACES`). A route without a row here
is published as answering "any JSON", and tests/api/test_openapi_honest.py fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from crosswind.api.openapi.airflow.admin import (
    ActionCollection,
    Config,
    Connection,
    ConnectionCollection,
    ConnectionTest,
    EventLog,
    EventLogCollection,
    HealthInfo,
    PluginCollection,
    Pool,
    PoolCollection,
    Role,
    RoleCollection,
    User,
    UserCollection,
    UserCollectionItem,
    Variable,
    VariableCollection,
    VersionInfo,
)
from crosswind.api.openapi.airflow.dags import (
    DAG,
    DAGCollection,
    DAGDetail,
    DagStatsCollectionSchema,
    DagWarningCollection,
    Dataset,
    DatasetCollection,
    DatasetEvent,
    DatasetEventCollection,
    ImportErrorCollection,
    ImportErrorItem,
    QueuedEvent,
    QueuedEventCollection,
    Task,
    TaskCollection,
)
from crosswind.api.openapi.airflow.runs import (
    DAGRun,
    DAGRunCollection,
    ExtraLinkCollection,
    TaskInstance,
    TaskInstanceCollection,
    TaskInstanceDependencyCollection,
    TaskInstanceHistory,
    TaskInstanceHistoryCollection,
    TaskInstanceReference,
    TaskInstanceReferenceCollection,
    XCom,
    XComCollection,
)
from crosswind.api.openapi.own_shapes import (
    ClearedReferences,
    ClearedTaskInstances,
    DagSource,
    LogChunk,
    Message,
    NewToken,
    ProviderPage,
    TokenCollection,
)


@dataclass(frozen=True)
class Success:
    """A success answer: `shapes` empty means no body; several mean any one of them."""

    status: int = 200
    shapes: tuple[type[BaseModel], ...] = ()
    text: bool = False  # also text/plain (chosen by the Accept header)
    stream: bool = False  # text/event-stream


def ok(*shapes: type[BaseModel], status: int = 200, text: bool = False) -> Success:
    return Success(status, shapes, text=text)


def empty(status: int) -> Success:
    return Success(status)


def stream() -> Success:
    return Success(stream=True)


_RUN = "/dags/{dag_id}/dagRuns/{dag_run_id}"
_TI = _RUN + "/taskInstances"

PUBLIC = {("get", "/health"), ("get", "/version")}

SUCCESS: dict[tuple[str, str], Success] = {
    ("get", "/health"): ok(HealthInfo),
    ("get", "/version"): ok(VersionInfo),
    ("get", "/variables"): ok(VariableCollection),
    ("post", "/variables"): ok(Variable),
    ("get", "/variables/{variable_key}"): ok(Variable),
    ("put", "/variables/{variable_key}"): ok(Variable),
    ("patch", "/variables/{variable_key}"): ok(Variable),
    ("delete", "/variables/{variable_key}"): empty(204),
    ("get", "/connections"): ok(ConnectionCollection),
    ("post", "/connections"): ok(Connection),
    ("get", "/connections/{connection_id}"): ok(Connection),
    ("put", "/connections/{connection_id}"): ok(Connection),
    ("patch", "/connections/{connection_id}"): ok(Connection),
    ("delete", "/connections/{connection_id}"): empty(204),
    ("post", "/connections/test"): ok(ConnectionTest),
    ("get", "/pools"): ok(PoolCollection),
    ("post", "/pools"): ok(Pool),
    ("get", "/pools/{pool_name}"): ok(Pool),
    ("put", "/pools/{pool_name}"): ok(Pool),
    ("patch", "/pools/{pool_name}"): ok(Pool),
    ("delete", "/pools/{pool_name}"): empty(204),
    ("get", "/users"): ok(UserCollection),
    ("post", "/users"): ok(User),
    ("get", "/users/{username}"): ok(UserCollectionItem),
    ("patch", "/users/{username}"): ok(UserCollectionItem),
    ("delete", "/users/{username}"): empty(204),
    ("get", "/roles"): ok(RoleCollection),
    ("post", "/roles"): ok(Role),
    ("get", "/roles/{role_name}"): ok(Role),
    ("patch", "/roles/{role_name}"): ok(Role),
    ("delete", "/roles/{role_name}"): empty(204),
    ("get", "/permissions"): ok(ActionCollection),
    ("get", "/users/{username}/tokens"): ok(TokenCollection),
    ("post", "/users/{username}/tokens"): ok(NewToken),
    ("delete", "/users/{username}/tokens/{token_id}"): empty(204),
    ("get", "/dags"): ok(DAGCollection),
    ("patch", "/dags"): ok(DAGCollection),
    ("get", "/dags/{dag_id}"): ok(DAG),
    ("patch", "/dags/{dag_id}"): ok(DAG),
    ("delete", "/dags/{dag_id}"): empty(204),
    ("get", "/dags/{dag_id}/details"): ok(DAGDetail),
    ("get", "/dags/{dag_id}/tasks"): ok(TaskCollection),
    ("get", "/dags/{dag_id}/tasks/{task_id}"): ok(Task),
    ("get", "/importErrors"): ok(ImportErrorCollection),
    ("get", "/importErrors/{import_error_id}"): ok(ImportErrorItem),
    ("put", "/parseDagFile/{file_token}"): empty(201),
    ("get", "/dagSources/{file_token}"): ok(DagSource, text=True),
    ("get", "/dags/{dag_id}/dagRuns"): ok(DAGRunCollection),
    ("post", "/dags/{dag_id}/dagRuns"): ok(DAGRun),
    ("post", "/dags/~/dagRuns/list"): ok(DAGRunCollection),
    ("get", "/dags/{dag_id}/dagRuns/{dag_run_id}"): ok(DAGRun),
    ("delete", "/dags/{dag_id}/dagRuns/{dag_run_id}"): empty(204),
    ("patch", "/dags/{dag_id}/dagRuns/{dag_run_id}"): ok(DAGRun),
    ("post", "/dags/{dag_id}/dagRuns/{dag_run_id}/clear"): ok(DAGRun, ClearedReferences),
    ("patch", "/dags/{dag_id}/dagRuns/{dag_run_id}/setNote"): ok(DAGRun),
    ("get", _TI + "/{task_id}/listMapped"): ok(TaskInstanceCollection),
    ("get", _TI + "/{task_id}/{map_index}"): ok(TaskInstance),
    ("patch", _TI + "/{task_id}/{map_index}"): ok(TaskInstanceReference),
    ("patch", _TI + "/{task_id}/{map_index}/setNote"): ok(TaskInstance),
    ("get", _TI + "/{task_id}/tries"): ok(TaskInstanceHistoryCollection),
    ("get", _TI + "/{task_id}/{map_index}/tries"): ok(TaskInstanceHistoryCollection),
    ("get", _TI + "/{task_id}/tries/{task_try_number}"): ok(TaskInstanceHistory),
    ("get", _TI + "/{task_id}/{map_index}/tries/{task_try_number}"): ok(TaskInstanceHistory),
    ("get", _TI + "/{task_id}/dependencies"): ok(TaskInstanceDependencyCollection),
    ("get", _TI + "/{task_id}/{map_index}/dependencies"): ok(TaskInstanceDependencyCollection),
    ("get", _TI + "/{task_id}/links"): ok(ExtraLinkCollection),
    ("get", _TI): ok(TaskInstanceCollection),
    ("post", "/dags/~/dagRuns/~/taskInstances/list"): ok(TaskInstanceCollection),
    ("get", _TI + "/{task_id}"): ok(TaskInstance),
    ("patch", _TI + "/{task_id}"): ok(TaskInstanceReference),
    ("post", "/dags/{dag_id}/updateTaskInstancesState"): ok(TaskInstanceReferenceCollection),
    ("patch", _TI + "/{task_id}/setNote"): ok(TaskInstance),
    ("post", _TI + "/{task_id}/clear"): ok(ClearedTaskInstances),
    ("post", _TI + "/{task_id}/run"): ok(Message),
    ("post", "/dags/{dag_id}/clearTaskInstances"): ok(TaskInstanceReferenceCollection),
    ("get", _TI + "/{task_id}/logs/{task_try_number}"): ok(LogChunk, text=True),
    ("get", _TI + "/{task_id}/xcomEntries"): ok(XComCollection),
    ("get", _TI + "/{task_id}/xcomEntries/{xcom_key}"): ok(XCom),
    ("get", "/eventLogs"): ok(EventLogCollection),
    ("get", "/eventLogs/{event_log_id}"): ok(EventLog),
    ("get", "/events"): stream(),
    ("get", "/datasets"): ok(DatasetCollection),
    ("get", "/datasets/events"): ok(DatasetEventCollection),
    ("post", "/datasets/events"): ok(DatasetEvent),
    ("get", "/datasets/queuedEvent/{uri}"): ok(QueuedEventCollection),
    ("delete", "/datasets/queuedEvent/{uri}"): empty(204),
    ("get", "/datasets/{uri}"): ok(Dataset),
    ("get", _RUN + "/upstreamDatasetEvents"): ok(DatasetEventCollection),
    ("get", "/dags/{dag_id}/datasets/queuedEvent"): ok(QueuedEventCollection),
    ("delete", "/dags/{dag_id}/datasets/queuedEvent"): empty(204),
    ("get", "/dags/{dag_id}/datasets/queuedEvent/{uri}"): ok(QueuedEvent),
    ("delete", "/dags/{dag_id}/datasets/queuedEvent/{uri}"): empty(204),
    ("get", "/dagStats"): ok(DagStatsCollectionSchema),
    ("get", "/dagWarnings"): ok(DagWarningCollection),
    ("get", "/config"): ok(Config, text=True),
    ("get", "/config/section/{section}/option/{option}"): ok(Config, text=True),
    ("get", "/plugins"): ok(PluginCollection),
    ("get", "/providers"): ok(ProviderPage),
}
