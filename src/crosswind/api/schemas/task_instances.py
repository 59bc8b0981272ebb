"""Task-instance bodies and response shapes (seed fields plus Airflow's TaskInstance)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crosswind.api.schemas.dag_runs import IsoDatetime, aware
from crosswind.api.schemas.json_values import INT64
from crosswind.api.schemas.triggers import render_deferral
from crosswind.models import DagRun, TaskInstance
from crosswind.states import TI_ALL

_DATES = (
    "execution_date_gte",
    "execution_date_lte",
    "start_date_gte",
    "start_date_lte",
    "end_date_gte",
    "end_date_lte",
    "start_date",
    "end_date",
    "execution_date",
)


def render_ti(ti: TaskInstance, run: DagRun) -> dict[str, Any]:
    # try_number is shown as stored: the scheduler increments it when it queues a try.
    return {
        "task_id": ti.task_id,
        "task_display_name": ti.task_display_name or ti.task_id,
        "dag_id": ti.dag_id,
        "dag_run_id": ti.run_id,
        "run_id": ti.run_id,
        "execution_date": run.logical_date,
        "logical_date": run.logical_date,
        "state": ti.state,
        "start_date": ti.start_date,
        "end_date": ti.end_date,
        "duration": ti.duration,
        "try_number": ti.try_number,
        "max_tries": ti.max_tries,
        "map_index": ti.map_index,
        "hostname": ti.hostname or "",
        "unixname": ti.unixname or "",
        "pool": ti.pool,
        "pool_slots": ti.pool_slots,
        "queue": ti.queue,
        "priority_weight": ti.priority_weight,
        "operator": ti.operator,
        "queued_when": ti.queued_when,
        "pid": ti.pid,
        "executor": None,
        "executor_config": "{}",
        "sla_miss": None,
        "note": ti.note,
        "rendered_fields": ti.rendered_fields or {},
        "rendered_map_index": ti.rendered_map_index,
        **render_deferral(ti),
    }


def render_ref(ti: TaskInstance, run: DagRun) -> dict[str, Any]:
    """Airflow's TaskInstanceReference (+ seed/Airflow aliases)."""
    return {
        "task_id": ti.task_id,
        "dag_id": ti.dag_id,
        "dag_run_id": ti.run_id,
        "run_id": ti.run_id,
        "execution_date": run.logical_date,
        "logical_date": run.logical_date,
        "map_index": ti.map_index,
        "state": ti.state,
    }


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator(*_DATES, mode="after", check_fields=False)
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return aware(v)


class ClearOneBody(_Body):
    """Seed's POST .../taskInstances/{task_id}/clear (body optional)."""

    include_downstream: bool = False
    include_upstream: bool = False
    only_failed: bool = False
    only_running: bool = False
    dry_run: bool = False


class ClearTaskInstancesBody(_Body):
    """Airflow's ClearTaskInstances."""

    dry_run: bool = True
    task_ids: list[str] | None = None
    start_date: IsoDatetime | None = None
    end_date: IsoDatetime | None = None
    only_failed: bool = True
    only_running: bool = False
    include_subdags: bool = False
    include_parentdag: bool = False
    reset_dag_runs: bool = True
    dag_run_id: str | None = None
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False


class UpdateTaskInstanceBody(_Body):
    dry_run: bool = True
    new_state: str

    @field_validator("new_state")
    @classmethod
    def _settable(cls, v: str) -> str:
        if v not in ("success", "failed", "skipped"):
            raise ValueError("new_state must be one of success, failed, skipped")
        return v


class UpdateTaskInstancesStateBody(UpdateTaskInstanceBody):
    """Airflow's UpdateTaskInstancesState: one task, by dag_run_id or execution_date."""

    task_id: str
    execution_date: IsoDatetime | None = None
    dag_run_id: str | None = None
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False


class TaskNoteBody(_Body):
    note: str | None


class ListTaskInstanceForm(_Body):
    """Airflow's ListTaskInstanceForm for POST /dags/~/dagRuns/~/taskInstances/list."""

    page_offset: int = Field(default=0, ge=0, le=INT64[1])
    page_limit: int = Field(default=100, ge=0)
    order_by: str | None = None
    dag_ids: list[str] | None = None
    dag_run_ids: list[str] | None = None
    task_ids: list[str] | None = None
    execution_date_gte: IsoDatetime | None = None
    execution_date_lte: IsoDatetime | None = None
    start_date_gte: IsoDatetime | None = None
    start_date_lte: IsoDatetime | None = None
    end_date_gte: IsoDatetime | None = None
    end_date_lte: IsoDatetime | None = None
    duration_gte: float | None = None
    duration_lte: float | None = None
    state: list[str | None] | None = None
    pool: list[str] | None = None
    queue: list[str] | None = None
    executor: list[str] | None = None

    @field_validator("state")
    @classmethod
    def _states(cls, v: list[str | None] | None) -> list[str | None] | None:
        bad = {s for s in v or () if s is not None} - TI_ALL
        if bad:
            raise ValueError(f"unknown state(s): {', '.join(sorted(bad))}")
        return v
