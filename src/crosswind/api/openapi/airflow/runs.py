"""The Airflow dialect's answers about runs: DAG runs, task instances, tries, XComs, links.

Field names, types, nullability and enums follow Airflow 2's stable API (see
`crosswind.api.openapi.airflow`); descriptions are ours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import RootModel

from crosswind.api.openapi.airflow.common import (
    ABSENT,
    ClassReference,
    CollectionInfo,
    DagState,
    Model,
    TaskState,
)


class DAGRun(Model):
    """One run of a DAG."""

    run_id: str | None = None  # the seed's name of dag_run_id
    queued_at: datetime | None = None
    dag_run_id: str | None = None
    dag_id: str = ABSENT
    logical_date: datetime | None = None
    execution_date: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    last_scheduling_decision: datetime | None = None
    run_type: Literal["backfill", "manual", "scheduled", "dataset_triggered"] = ABSENT
    state: DagState = ABSENT
    external_trigger: bool = ABSENT
    conf: dict[str, Any] = ABSENT
    note: str | None = None


class DAGRunCollection(CollectionInfo):
    """One page of DAG runs."""

    dag_runs: list[DAGRun] = ABSENT


class SLAMiss(Model):
    """A missed SLA of a task instance."""

    task_id: str = ABSENT
    dag_id: str = ABSENT
    execution_date: str = ABSENT
    email_sent: bool = ABSENT
    timestamp: str = ABSENT
    description: str | None = None
    notification_sent: bool = ABSENT


class Trigger(Model):
    """The trigger a deferred task waits on."""

    id: int = ABSENT
    classpath: str = ABSENT
    kwargs: str = ABSENT
    created_date: str = ABSENT
    triggerer_id: int | None = None


class TaskFailedDependency(Model):
    """One reason a task instance cannot run yet."""

    name: str = ABSENT
    reason: str = ABSENT


class TaskInstanceDependencyCollection(Model):
    """Why a task instance is not running."""

    dependencies: list[TaskFailedDependency] = ABSENT


class Job(Model):
    """The job (process) that ran a task instance."""

    id: int = ABSENT
    dag_id: str | None = None
    state: str | None = None
    job_type: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    latest_heartbeat: str | None = None
    executor_class: str | None = None
    hostname: str | None = None
    unixname: str | None = None


class _TryFields(Model):
    """What a task instance and each of its tries both carry."""

    task_id: str = ABSENT
    task_display_name: str = ABSENT
    dag_id: str = ABSENT
    dag_run_id: str = ABSENT
    start_date: str | None = None
    end_date: str | None = None
    duration: float | None = None
    state: TaskState | None = None
    try_number: int = ABSENT
    map_index: int = ABSENT
    max_tries: int = ABSENT
    hostname: str = ABSENT
    unixname: str = ABSENT
    pool: str = ABSENT
    pool_slots: int = ABSENT
    queue: str | None = None
    priority_weight: int | None = None
    operator: str | None = None
    queued_when: str | None = None
    pid: int | None = None
    executor: str | None = None
    executor_config: str = ABSENT


class TaskInstance(_TryFields):
    """One task of one DAG run (one map index of a mapped task)."""

    run_id: str | None = None  # the seed's name of dag_run_id
    logical_date: datetime | None = None
    execution_date: str = ABSENT
    sla_miss: SLAMiss | None = None
    rendered_map_index: str | None = None
    rendered_fields: dict[str, Any] = ABSENT
    trigger: Trigger | None = None
    triggerer_job: Job | None = None
    note: str | None = None


class TaskInstanceCollection(CollectionInfo):
    """One page of task instances."""

    task_instances: list[TaskInstance] = ABSENT


class TaskInstanceHistory(_TryFields):
    """One past or current try of a task instance."""


class TaskInstanceHistoryCollection(CollectionInfo):
    """One page of tries of a task instance."""

    # Airflow 2.11 sends `task_instances` (its spec says task_instances_history); so do we.
    task_instances: list[TaskInstanceHistory] = ABSENT


class TaskInstanceReference(Model):
    """Identifies a task instance that an action changed."""

    task_id: str = ABSENT
    dag_id: str = ABSENT
    execution_date: str = ABSENT
    dag_run_id: str = ABSENT


class TaskInstanceReferenceCollection(Model):
    """The task instances an action changed."""

    task_instances: list[TaskInstanceReference] = ABSENT


class XComCollectionItem(Model):
    """An XCom entry as listed, without its value."""

    dag_run_id: str | None = None
    run_id: str | None = None
    logical_date: datetime | None = None
    key: str = ABSENT
    timestamp: str = ABSENT
    execution_date: str = ABSENT
    map_index: int = ABSENT
    task_id: str = ABSENT
    dag_id: str = ABSENT


class XComCollection(CollectionInfo):
    """One page of XCom entries."""

    xcom_entries: list[XComCollectionItem] = ABSENT


class XCom(XComCollectionItem):
    """An XCom entry with its value."""

    value: str | float | int | bool | list[Any] | dict[str, Any] | None = None


class ExtraLink(Model):
    """A link an operator adds to its task instances."""

    class_ref: ClassReference = ABSENT
    name: str = ABSENT
    href: str = ABSENT


class ExtraLinkCollection(RootModel[dict[str, str | None]]):
    """The extra links of a task instance, {link name: URL or null}, as Airflow 2.11 sends
    them (its spec describes a list it never sends)."""
