"""Tables of the metadata store, one module per aggregate.

Importing this package registers every table on `Base.metadata` (Alembic and tests rely on it).
"""

from crosswind.models.auth import ApiToken, Role, RolePermission, RoleRevision, User, UserRole
from crosswind.models.connection import Connection
from crosswind.models.dag import DagCode, DagFile, DagModel, ImportError_, SerializedDag
from crosswind.models.dag_run import DagRun
from crosswind.models.dataset import (
    DagRunDatasetEvent,
    DagScheduleDatasetAliasReference,
    DagScheduleDatasetReference,
    DatasetAliasDataset,
    DatasetAliasDatasetEvent,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
    TaskOutletDatasetReference,
)
from crosswind.models.event_log import EventLog
from crosswind.models.job import Job
from crosswind.models.pool import Pool
from crosswind.models.state_event import StateEvent
from crosswind.models.task_instance import TaskInstance, TaskTry
from crosswind.models.trigger import TaskReschedule, Trigger
from crosswind.models.variable import Variable
from crosswind.models.web_session import WebSession
from crosswind.models.xcom import XCom

__all__ = [
    "ApiToken",
    "Connection",
    "DagCode",
    "DagFile",
    "DagModel",
    "DagRun",
    "DagRunDatasetEvent",
    "DagScheduleDatasetAliasReference",
    "DagScheduleDatasetReference",
    "DatasetAliasDataset",
    "DatasetAliasDatasetEvent",
    "DatasetAliasModel",
    "DatasetDagRunQueue",
    "DatasetEvent",
    "DatasetModel",
    "EventLog",
    "ImportError_",
    "Job",
    "Pool",
    "Role",
    "RolePermission",
    "RoleRevision",
    "SerializedDag",
    "StateEvent",
    "TaskInstance",
    "TaskOutletDatasetReference",
    "TaskReschedule",
    "TaskTry",
    "Trigger",
    "User",
    "UserRole",
    "Variable",
    "WebSession",
    "XCom",
]
