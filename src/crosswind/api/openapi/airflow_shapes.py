"""Response shapes of the Airflow dialect, as pydantic models used only for the document.

Field names, types, nullability and enums follow Airflow 2's stable API (the official client
checks our answers against them); descriptions are ours. Every field is optional in the
schema because `fields=` and Airflow's own spec let a property be absent; the honesty tests
check that real answers carry every declared property. The seed dialect's few differences
live in `seed_shapes.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel


class Model(BaseModel):
    """Base of every response shape: other fields may appear (forward compatible)."""

    model_config = ConfigDict(populate_by_name=True)


class CronExpression(Model):
    """A schedule given as a cron expression or preset such as '@daily'."""

    type_: str = Field(None, alias="__type")
    value: str = None


class RelativeDelta(Model):
    """A calendar-aware interval (dateutil's relativedelta) as a schedule."""

    type_: str = Field(None, alias="__type")
    years: int = None
    months: int = None
    days: int = None
    leapdays: int = None
    hours: int = None
    minutes: int = None
    seconds: int = None
    microseconds: int = None
    year: int = None
    month: int = None
    day: int = None
    hour: int = None
    minute: int = None
    second: int = None
    microsecond: int = None


class TimeDelta(Model):
    """A fixed duration: whole days, seconds and microseconds."""

    type_: str = Field(None, alias="__type")
    days: int = None
    seconds: int = None
    microseconds: int = None


ScheduleInterval = TimeDelta | RelativeDelta | CronExpression | None

Timezone = str

Color = str

TaskState = (
    Literal[
        "success",
        "running",
        "failed",
        "upstream_failed",
        "skipped",
        "up_for_retry",
        "up_for_reschedule",
        "queued",
        "none",
        "scheduled",
        "deferred",
        "removed",
        "restarting",
    ]
    | None
)

DagState = Literal["queued", "running", "success", "failed"]

TriggerRule = Literal[
    "all_success",
    "all_failed",
    "all_done",
    "all_done_setup_success",
    "one_success",
    "one_failed",
    "one_done",
    "none_failed",
    "none_skipped",
    "none_failed_or_skipped",
    "none_failed_min_one_success",
    "dummy",
    "all_skipped",
    "always",
]

WeightRule = str

HealthStatus = Literal["healthy", "unhealthy"] | None


class UserCollectionItemRole(Model):
    """The name of a role held by a user."""

    name: str = None


class UserCollectionItem(Model):
    """A user account as listed; never carries the password."""

    is_active: bool | None = None  # the seed's name of active
    is_admin: bool | None = None  # the seed's view of roles
    first_name: str = None
    last_name: str = None
    username: str = None
    email: str = None
    active: bool | None = None
    last_login: str | None = None
    login_count: int | None = None
    failed_login_count: int | None = None
    roles: list[UserCollectionItemRole | None] = None
    created_on: str | None = None
    changed_on: str | None = None


class User(UserCollectionItem):
    """A user account."""


class CollectionInfo(Model):
    """Count of all matching items, before limit and offset."""

    total_entries: int = None


class UserCollection(CollectionInfo):
    """One page of users."""

    users: list[UserCollectionItem] = None


class ConnectionCollectionItem(Model):
    """A connection as listed: no password, no extra."""

    conn_id: str | None = None  # the seed's name of connection_id
    connection_id: str = None
    conn_type: str = None
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema_: str | None = Field(None, alias="schema")
    port: int | None = None


class ConnectionCollection(CollectionInfo):
    """One page of connections."""

    connections: list[ConnectionCollectionItem] = None


class Connection(ConnectionCollectionItem):
    """A connection; the password is never returned."""

    extra: str | None = None


class ConnectionTest(Model):
    """The outcome of probing a connection."""

    status: bool = None
    message: str = None


class Tag(Model):
    """A tag on a DAG."""

    name: str = None


class DAG(Model):
    """A DAG as the scheduler knows it."""

    dag_id: str = None
    dag_display_name: str = None
    root_dag_id: str | None = None
    is_paused: bool | None = None
    is_active: bool | None = None
    is_subdag: bool = None
    last_parsed_time: datetime | None = None
    last_pickled: datetime | None = None
    last_expired: datetime | None = None
    scheduler_lock: bool | None = None
    pickle_id: str | None = None
    default_view: str | None = None
    fileloc: str = None
    file_token: str = None
    owners: list[str] = None
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

    dags: list[DAG] = None


class DAGRun(Model):
    """One run of a DAG."""

    run_id: str | None = None  # the seed's name of dag_run_id
    queued_at: datetime | None = None
    dag_run_id: str | None = None
    dag_id: str = None
    logical_date: datetime | None = None
    execution_date: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    last_scheduling_decision: datetime | None = None
    run_type: Literal["backfill", "manual", "scheduled", "dataset_triggered"] = None
    state: DagState = None
    external_trigger: bool = None
    conf: dict[str, Any] = None
    note: str | None = None


class DAGRunCollection(CollectionInfo):
    """One page of DAG runs."""

    dag_runs: list[DAGRun] = None


class DagStatsStateCollectionItem(Model):
    """How many runs of a DAG are in one state."""

    state: str = None
    count: int = None


class DagStatsCollectionItem(Model):
    """Run counts per state for one DAG."""

    dag_id: str = None
    stats: list[DagStatsStateCollectionItem] | None = None


class DagStatsCollectionSchema(CollectionInfo):
    """Run counts per state for the requested DAGs."""

    dags: list[DagStatsCollectionItem] = None


class DagWarning(Model):
    """A problem found in a DAG that does not stop it from loading."""

    dag_id: str = None
    warning_type: str = None
    message: str = None
    timestamp: str = None


class DagWarningCollection(CollectionInfo):
    """One page of DAG warnings."""

    dag_warnings: list[DagWarning] = None


class EventLog(Model):
    """One audit log entry."""

    event_log_id: int = None
    when: datetime = None
    dag_id: str | None = None
    task_id: str | None = None
    run_id: str | None = None
    map_index: int | None = None
    try_number: int | None = None
    event: str = None
    execution_date: datetime | None = None
    owner: str | None = None
    extra: str | None = None


class EventLogCollection(CollectionInfo):
    """One page of audit log entries."""

    event_logs: list[EventLog] = None


class ImportErrorItem(Model):
    """A DAG file that failed to load, with the error."""

    import_error_id: int = None
    timestamp: str = None
    filename: str = None
    stack_trace: str = None


class ImportErrorCollection(CollectionInfo):
    """One page of import errors."""

    import_errors: list[ImportErrorItem] = None


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

    metadatabase: MetadatabaseStatus = None
    scheduler: SchedulerStatus = None
    triggerer: TriggererStatus = None
    dag_processor: DagProcessorStatus = None


class Pool(Model):
    """A pool of slots shared by tasks, with its occupancy."""

    pool_id: str | None = None  # the seed's name of name
    name: str = None
    slots: int = None
    occupied_slots: int = None
    running_slots: int = None
    queued_slots: int = None
    open_slots: int = None
    scheduled_slots: int = None
    deferred_slots: int = None
    description: str | None = None
    include_deferred: bool = None


class PoolCollection(CollectionInfo):
    """One page of pools."""

    pools: list[Pool] = None


class Provider(Model):
    """A provider package and its version."""

    package_name: str = None
    description: str = None
    version: str = None


class ProviderCollection(Model):
    """The providers Crosswind offers."""

    providers: list[Provider] = None


class SLAMiss(Model):
    """A missed SLA of a task instance."""

    task_id: str = None
    dag_id: str = None
    execution_date: str = None
    email_sent: bool = None
    timestamp: str = None
    description: str | None = None
    notification_sent: bool = None


class Trigger(Model):
    """The trigger a deferred task waits on."""

    id: int = None
    classpath: str = None
    kwargs: str = None
    created_date: str = None
    triggerer_id: int | None = None


class TaskFailedDependency(Model):
    """One reason a task instance cannot run yet."""

    name: str = None
    reason: str = None


class TaskInstanceDependencyCollection(Model):
    """Why a task instance is not running."""

    dependencies: list[TaskFailedDependency] = None


class Job(Model):
    """The job (process) that ran a task instance."""

    id: int = None
    dag_id: str | None = None
    state: str | None = None
    job_type: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    latest_heartbeat: str | None = None
    executor_class: str | None = None
    hostname: str | None = None
    unixname: str | None = None


class TaskInstance(Model):
    """One task of one DAG run (one map index of a mapped task)."""

    run_id: str | None = None  # the seed's name of dag_run_id
    logical_date: datetime | None = None
    task_id: str = None
    task_display_name: str = None
    dag_id: str = None
    dag_run_id: str = None
    execution_date: str = None
    start_date: str | None = None
    end_date: str | None = None
    duration: float | None = None
    state: TaskState | None = None
    try_number: int = None
    map_index: int = None
    max_tries: int = None
    hostname: str = None
    unixname: str = None
    pool: str = None
    pool_slots: int = None
    queue: str | None = None
    priority_weight: int | None = None
    operator: str | None = None
    queued_when: str | None = None
    pid: int | None = None
    executor: str | None = None
    executor_config: str = None
    sla_miss: SLAMiss | None = None
    rendered_map_index: str | None = None
    rendered_fields: dict[str, Any] = None
    trigger: Trigger | None = None
    triggerer_job: Job | None = None
    note: str | None = None


class TaskInstanceCollection(CollectionInfo):
    """One page of task instances."""

    task_instances: list[TaskInstance] = None


class TaskInstanceHistory(Model):
    """One past or current try of a task instance."""

    task_id: str = None
    task_display_name: str = None
    dag_id: str = None
    dag_run_id: str = None
    start_date: str | None = None
    end_date: str | None = None
    duration: float | None = None
    state: TaskState | None = None
    try_number: int = None
    map_index: int = None
    max_tries: int = None
    hostname: str = None
    unixname: str = None
    pool: str = None
    pool_slots: int = None
    queue: str | None = None
    priority_weight: int | None = None
    operator: str | None = None
    queued_when: str | None = None
    pid: int | None = None
    executor: str | None = None
    executor_config: str = None


class TaskInstanceHistoryCollection(CollectionInfo):
    """One page of tries of a task instance."""

    # Airflow 2.11 sends `task_instances` (its spec says task_instances_history); so do we.
    task_instances: list[TaskInstanceHistory] = None


class TaskInstanceReference(Model):
    """Identifies a task instance that an action changed."""

    task_id: str = None
    dag_id: str = None
    execution_date: str = None
    dag_run_id: str = None


class TaskInstanceReferenceCollection(Model):
    """The task instances an action changed."""

    task_instances: list[TaskInstanceReference] = None


class VariableCollectionItem(Model):
    """A variable as listed."""

    val: str | None = None  # the seed's name of value
    value: str | None = None
    key: str = None
    description: str | None = None


class VariableCollection(CollectionInfo):
    """One page of variables."""

    variables: list[VariableCollectionItem] = None


class Variable(VariableCollectionItem):
    """A variable with its value."""

    value: str = None


class XComCollectionItem(Model):
    """An XCom entry as listed, without its value."""

    dag_run_id: str | None = None
    run_id: str | None = None
    logical_date: datetime | None = None
    key: str = None
    timestamp: str = None
    execution_date: str = None
    map_index: int = None
    task_id: str = None
    dag_id: str = None


class XComCollection(CollectionInfo):
    """One page of XCom entries."""

    xcom_entries: list[XComCollectionItem] = None


class XCom(XComCollectionItem):
    """An XCom entry with its value."""

    value: str | float | int | bool | list[Any] | dict[str, Any] | None = None


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
    params: dict[str, Any] = None
    end_date: datetime | None = None
    is_paused_upon_creation: bool | None = None
    last_parsed: datetime | None = None
    template_search_path: list[str] | None = None
    render_template_as_native_obj: bool | None = None


class ClassReference(Model):
    """The module and class of an operator or timetable."""

    module_path: str = None
    class_name: str = None


class ExtraLink(Model):
    """A link an operator adds to its task instances."""

    class_ref: ClassReference = None
    name: str = None
    href: str = None


class ExtraLinkCollection(RootModel[dict[str, str | None]]):
    """The extra links of a task instance, {link name: URL or null}, as Airflow 2.11 sends
    them (its spec describes a list it never sends)."""


class TaskExtraLink(Model):
    """The class of an extra link of a task."""

    class_ref: ClassReference = None


class Task(Model):
    """A task of a DAG as defined in its file."""

    dag_id: str | None = None
    task_type: str | None = None
    params: dict[str, Any] | None = None
    class_ref: ClassReference = None
    task_id: str = None
    task_display_name: str = None
    owner: str = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    trigger_rule: TriggerRule = None
    extra_links: list[TaskExtraLink] = None
    depends_on_past: bool = None
    is_mapped: bool = None
    wait_for_downstream: bool = None
    retries: float = None
    queue: str | None = None
    executor: str | None = None
    pool: str = None
    pool_slots: float = None
    execution_timeout: TimeDelta | None = None
    retry_delay: TimeDelta | None = None
    retry_exponential_backoff: bool = None
    priority_weight: float = None
    weight_rule: WeightRule = None
    ui_color: Color = None
    ui_fgcolor: Color = None
    template_fields: list[str] = None
    sub_dag: DAG = None
    downstream_task_ids: list[str] = None
    doc_md: str | None = None


class TaskCollection(Model):
    """All tasks of a DAG."""

    total_entries: int | None = None
    tasks: list[Task] = None


class PluginCollectionItem(Model):
    """A loaded plugin and what it provides."""

    name: str = None
    hooks: list[str | None] = None
    executors: list[str | None] = None
    macros: list[str | None] = None
    flask_blueprints: list[str | None] = None
    appbuilder_views: list[dict[str, Any] | None] = None
    appbuilder_menu_items: list[dict[str, Any] | None] = None
    global_operator_extra_links: list[str | None] = None
    operator_extra_links: list[str | None] = None
    source: str | None = None
    ti_deps: list[str] = None
    listeners: list[str] = None
    timetables: list[str] = None


class PluginCollection(CollectionInfo):
    """One page of plugins."""

    plugins: list[PluginCollectionItem] = None


class Action(Model):
    """A permission's action, such as can_read."""

    name: str = None


class Resource(Model):
    """A permission's resource, such as DAG Runs or DAG:<dag_id>."""

    name: str = None


class ActionResource(Model):
    """One permission: an action on a resource."""

    action: Action = None
    resource: Resource = None


class Role(Model):
    """A role: a name and its permissions."""

    name: str = None
    actions: list[ActionResource] = None


class RoleCollection(CollectionInfo):
    """One page of roles."""

    roles: list[Role] = None


class ActionCollection(CollectionInfo):
    """One page of the permissions that exist."""

    actions: list[Action] = None


class DagScheduleDatasetReference(Model):
    """A DAG scheduled on a dataset."""

    dag_id: str | None = None
    created_at: str = None
    updated_at: str = None


class TaskOutletDatasetReference(Model):
    """A task that updates a dataset."""

    dag_id: str | None = None
    task_id: str | None = None
    created_at: str = None
    updated_at: str = None


class Dataset(Model):
    """A dataset with the DAGs and tasks that use it."""

    id: int = None
    uri: str = None
    extra: dict[str, Any] | None = None
    created_at: str = None
    updated_at: str = None
    consuming_dags: list[DagScheduleDatasetReference] = None
    producing_tasks: list[TaskOutletDatasetReference] = None


class DatasetCollection(CollectionInfo):
    """One page of datasets."""

    datasets: list[Dataset] = None


class BasicDAGRun(Model):
    """A DAG run, in short, as a dataset event refers to it."""

    run_id: str = None
    dag_id: str = None
    logical_date: datetime = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    state: DagState = None


class DatasetEvent(Model):
    """One update of a dataset."""

    id: int | None = None
    dataset_id: int = None
    dataset_uri: str = None
    extra: dict[str, Any] | None = None
    source_dag_id: str | None = None
    source_task_id: str | None = None
    source_run_id: str | None = None
    source_map_index: int | None = None
    created_dagruns: list[BasicDAGRun] = None
    timestamp: str = None


class QueuedEvent(Model):
    """A dataset update waiting to trigger a DAG."""

    uri: str = None
    dag_id: str = None
    created_at: datetime = None


class QueuedEventCollection(CollectionInfo):
    """Dataset updates waiting to trigger DAGs."""

    datasets: list[QueuedEvent] = None


class DatasetEventCollection(CollectionInfo):
    """One page of dataset events."""

    dataset_events: list[DatasetEvent] = None


class ConfigOption(Model):
    """One configuration option and its value."""

    key: str = None
    value: str = None


class ConfigSection(Model):
    """One configuration section."""

    name: str = None
    options: list[ConfigOption] = None


class Config(Model):
    """The configuration, by section."""

    sections: list[ConfigSection] = None


class VersionInfo(Model):
    """The server's version."""

    version: str = None
    git_version: str | None = None
