"""Dataset shapes of Airflow's spec: Dataset, DatasetEvent (with BasicDAGRun), QueuedEvent,
CreateDatasetEvent. The same in both dialects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crosswind.api.schemas.json_values import check_json
from crosswind.models import (
    DagRun,
    DagScheduleDatasetReference,
    DatasetEvent,
    DatasetModel,
    TaskOutletDatasetReference,
)


class CreateDatasetEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset_uri: str = Field(min_length=1, max_length=3000)
    extra: dict[str, Any] | None = None

    @field_validator("extra")
    @classmethod
    def _extra(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        return check_json(v, "extra")


def render_dataset(ds: DatasetModel, consuming: list[DagScheduleDatasetReference],
                   producing: list[TaskOutletDatasetReference]) -> dict[str, Any]:
    return {
        "id": ds.id,
        "uri": ds.uri,
        "extra": ds.extra or {},
        "created_at": ds.created_at,
        "updated_at": ds.updated_at,
        "consuming_dags": [{"dag_id": r.dag_id, "created_at": r.created_at,
                            "updated_at": r.updated_at} for r in consuming],
        "producing_tasks": [{"dag_id": t.dag_id, "task_id": t.task_id,
                             "created_at": t.created_at, "updated_at": t.updated_at}
                            for t in producing],
    }


def render_basic_run(run: DagRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "dag_id": run.dag_id,
        "logical_date": run.logical_date,
        "start_date": run.start_date,
        "end_date": run.end_date,
        "data_interval_start": run.data_interval_start,
        "data_interval_end": run.data_interval_end,
        "state": run.state,
    }


def render_event(e: DatasetEvent, uri: str, runs: list[DagRun]) -> dict[str, Any]:
    return {
        "id": e.id,
        "dataset_id": e.dataset_id,
        "dataset_uri": uri,
        "extra": e.extra or {},
        "source_dag_id": e.source_dag_id,
        "source_task_id": e.source_task_id,
        "source_run_id": e.source_run_id,
        "source_map_index": e.source_map_index,
        "created_dagruns": [render_basic_run(r) for r in runs],
        "timestamp": e.timestamp,
    }


def render_queued(uri: str, dag_id: str, created_at: datetime) -> dict[str, Any]:
    return {"uri": uri, "dag_id": dag_id, "created_at": created_at}
