"""The Airflow dialect's answers about DAGs: DAGs, tasks, stats, warnings, import errors, datasets.

Field names, types, nullability and enums follow Airflow 2's stable API (see
`crosswind.api.openapi.airflow`); descriptions are ours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crosswind.api.openapi.airflow.common import (
    ABSENT,
    ClassReference,
    CollectionInfo,
    Color,
    DagState,
    Model,
    ScheduleInterval,
    Tag,
    TimeDelta,
    Timezone,
    TriggerRule,
    WeightRule,
)


class DAG(Model):
    """A DAG as the scheduler knows it."""

    dag_id: str = ABSENT
    dag_display_name: str = ABSENT
    root_dag_id: str | None = None
    is_paused: bool | None = None
    is_active: bool | None = None
    is_subdag: bool = ABSENT
    last_parsed_time: datetime | None = None
    last_pickled: datetime | None = None
    last_expired: datetime | None = None
    scheduler_lock: bool | None = None
    pickle_id: str | None = None
    default_view: str | None = None
    fileloc: str = ABSENT
    file_token: str = ABSENT
    owners: list[str] = ABSENT
    description: str | None = None
    schedule_interval: ScheduleInterval | None = None
    timetable_description: str | None = None
    tags: list[Tag] | None = None
    max_active_tasks: int | None = None
    max_active_runs: int | None = None
    has_task_concurrency_limits: bool | None = None
    has_import_errors: bool | None = None
    next_dagrun: datetime | None = None
    next_dagrun_data_interval_start: datetime | None = None
    next_dagrun_data_interval_end: datetime | None = None
    next_dagrun_create_after: datetime | None = None
    max_consecutive_failed_dag_runs: int | None = None


class DAGCollection(CollectionInfo):
    """One page of DAGs."""

    dags: list[DAG] = ABSENT


class DagStatsStateCollectionItem(Model):
    """How many runs of a DAG are in one state."""

    state: str = ABSENT
    count: int = ABSENT


class DagStatsCollectionItem(Model):
    """Run counts per state for one DAG."""

    dag_id: str = ABSENT
    stats: list[DagStatsStateCollectionItem] | None = None


class DagStatsCollectionSchema(CollectionInfo):
    """Run counts per state for the requested DAGs."""

    dags: list[DagStatsCollectionItem] = ABSENT


class DagWarning(Model):
    """A problem found in a DAG that does not stop it from loading."""

    dag_id: str = ABSENT
    warning_type: str = ABSENT
    message: str = ABSENT
    timestamp: str = ABSENT


class DagWarningCollection(CollectionInfo):
    """One page of DAG warnings."""

    dag_warnings: list[DagWarning] = ABSENT


class ImportErrorItem(Model):
    """A DAG file that failed to load, with the error."""

    import_error_id: int = ABSENT
    timestamp: str = ABSENT
    filename: str = ABSENT
    stack_trace: str = ABSENT


class ImportErrorCollection(CollectionInfo):
    """One page of import errors."""

    import_errors: list[ImportErrorItem] = ABSENT


class DAGDetail(DAG):
    """A DAG with the details of its definition."""

    timezone: Timezone | None = None
    catchup: bool | None = None
    orientation: str | None = None
    concurrency: float | None = None
    start_date: datetime | None = None
    dag_run_timeout: TimeDelta | None = None
    dataset_expression: dict[str, Any] | None = None
    doc_md: str | None = None
    default_view: str | None = None
    params: dict[str, Any] = ABSENT
    end_date: datetime | None = None
    is_paused_upon_creation: bool | None = None
    last_parsed: datetime | None = None
    template_search_path: list[str] | None = None
    render_template_as_native_obj: bool | None = None


class TaskExtraLink(Model):
    """The class of an extra link of a task."""

    class_ref: ClassReference = ABSENT


class Task(Model):
    """A task of a DAG as defined in its file."""

    dag_id: str | None = None
    task_type: str | None = None
    params: dict[str, Any] | None = None
    class_ref: ClassReference = ABSENT
    task_id: str = ABSENT
    task_display_name: str = ABSENT
    owner: str = ABSENT
    start_date: datetime | None = None
    end_date: datetime | None = None
    trigger_rule: TriggerRule = ABSENT
    extra_links: list[TaskExtraLink] = ABSENT
    depends_on_past: bool = ABSENT
    is_mapped: bool = ABSENT
    wait_for_downstream: bool = ABSENT
    retries: float = ABSENT
    queue: str | None = None
    executor: str | None = None
    pool: str = ABSENT
    pool_slots: float = ABSENT
    execution_timeout: TimeDelta | None = None
    retry_delay: TimeDelta | None = None
    retry_exponential_backoff: bool = ABSENT
    priority_weight: float = ABSENT
    weight_rule: WeightRule = ABSENT
    ui_color: Color = ABSENT
    ui_fgcolor: Color = ABSENT
    template_fields: list[str] = ABSENT
    sub_dag: DAG = ABSENT
    downstream_task_ids: list[str] = ABSENT
    doc_md: str | None = None


class TaskCollection(Model):
    """All tasks of a DAG."""

    total_entries: int | None = None
    tasks: list[Task] = ABSENT


class DagScheduleDatasetReference(Model):
    """A DAG scheduled on a dataset."""

    dag_id: str | None = None
    created_at: str = ABSENT
    updated_at: str = ABSENT


class TaskOutletDatasetReference(Model):
    """A task that updates a dataset."""

    dag_id: str | None = None
    task_id: str | None = None
    created_at: str = ABSENT
    updated_at: str = ABSENT


class Dataset(Model):
    """A dataset with the DAGs and tasks that use it."""

    id: int = ABSENT
    uri: str = ABSENT
    extra: dict[str, Any] | None = None
    created_at: str = ABSENT
    updated_at: str = ABSENT
    consuming_dags: list[DagScheduleDatasetReference] = ABSENT
    producing_tasks: list[TaskOutletDatasetReference] = ABSENT


class DatasetCollection(CollectionInfo):
    """One page of datasets."""

    datasets: list[Dataset] = ABSENT


class BasicDAGRun(Model):
    """A DAG run, in short, as a dataset event refers to it."""

    run_id: str = ABSENT
    dag_id: str = ABSENT
    logical_date: datetime = ABSENT
    start_date: datetime | None = None
    end_date: datetime | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    state: DagState = ABSENT


class DatasetEvent(Model):
    """One update of a dataset."""

    id: int | None = None
    dataset_id: int = ABSENT
    dataset_uri: str = ABSENT
    extra: dict[str, Any] | None = None
    source_dag_id: str | None = None
    source_task_id: str | None = None
    source_run_id: str | None = None
    source_map_index: int | None = None
    created_dagruns: list[BasicDAGRun] = ABSENT
    timestamp: str = ABSENT


class QueuedEvent(Model):
    """A dataset update waiting to trigger a DAG."""

    uri: str = ABSENT
    dag_id: str = ABSENT
    created_at: datetime = ABSENT


class QueuedEventCollection(CollectionInfo):
    """Dataset updates waiting to trigger DAGs."""

    datasets: list[QueuedEvent] = ABSENT


class DatasetEventCollection(CollectionInfo):
    """One page of dataset events."""

    dataset_events: list[DatasetEvent] = ABSENT
