"""Shapes shared by the Airflow dialect's answers: the base model, collections, enums, schedules.

Field names, types, nullability and enums follow Airflow 2's stable API (see
`crosswind.api.openapi.airflow`); descriptions are ours.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# The default of a field that may be left out but is never null (Airflow's non-nullable
# properties): typed Any so that `days: int = ABSENT` reads as the wire says.
ABSENT: Any = None


class Model(BaseModel):
    """Base of every response shape: other fields may appear (forward compatible)."""

    model_config = ConfigDict(populate_by_name=True)


class CronExpression(Model):
    """A schedule given as a cron expression or preset such as '@daily'."""

    type_: str = Field(None, alias="__type")
    value: str = ABSENT


class RelativeDelta(Model):
    """A calendar-aware interval (dateutil's relativedelta) as a schedule."""

    type_: str = Field(None, alias="__type")
    years: int = ABSENT
    months: int = ABSENT
    days: int = ABSENT
    leapdays: int = ABSENT
    hours: int = ABSENT
    minutes: int = ABSENT
    seconds: int = ABSENT
    microseconds: int = ABSENT
    year: int = ABSENT
    month: int = ABSENT
    day: int = ABSENT
    hour: int = ABSENT
    minute: int = ABSENT
    second: int = ABSENT
    microsecond: int = ABSENT


class TimeDelta(Model):
    """A fixed duration: whole days, seconds and microseconds."""

    type_: str = Field(None, alias="__type")
    days: int = ABSENT
    seconds: int = ABSENT
    microseconds: int = ABSENT


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


class CollectionInfo(Model):
    """Count of all matching items, before limit and offset."""

    total_entries: int = ABSENT


class Tag(Model):
    """A tag on a DAG."""

    name: str = ABSENT


class ClassReference(Model):
    """The module and class of an operator or timetable."""

    module_path: str = ABSENT
    class_name: str = ABSENT
