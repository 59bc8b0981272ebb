"""DAG-run bodies and the response shape (seed and Airflow names together), plus the
date-range filters shared by the run and task-instance lists."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from crosswind.api.schemas.json_values import INT64, check_json
from crosswind.errors import InvalidInput
from crosswind.models import DagRun
from crosswind.states import RUN_ALL


def aware(value: datetime | None) -> datetime | None:
    """Naive datetimes in requests are read as UTC (Airflow's default timezone)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _iso_string(value: Any) -> Any:
    """Airflow's spec types request dates as date-time strings and refuses anything else
    (Airflow 2.11: `12345 is not of type 'string'`); pydantic alone would read a number, or
    a string of digits, as a Unix timestamp (12345 -> 1970-01-01T03:25:45)."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not of type 'string' (an ISO 8601 date-time)")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None


IsoDatetime = Annotated[datetime, BeforeValidator(_iso_string)]


def parse_dt(name: str, raw: str | None) -> datetime | None:
    """A query-string datetime; a '+' sent unencoded arrives as ' ', so accept that too.
    Absent is None; present but empty (`?updated_at_lte=`) is a 400, as in Airflow."""
    if raw is None:
        return None
    if raw == "":
        raise InvalidInput(f"{name}: '' is not an ISO 8601 datetime")
    for text in (raw, raw.replace(" ", "+")):
        try:
            return aware(datetime.fromisoformat(text))
        except ValueError:
            continue
    raise InvalidInput(f"{name}: {raw!r} is not an ISO 8601 datetime")


def date_range(
    stmt: Select[Any],
    column: InstrumentedAttribute[Any],
    gte: datetime | None,
    lte: datetime | None,
) -> Select[Any]:
    if gte is not None:
        stmt = stmt.where(column >= gte)
    if lte is not None:
        stmt = stmt.where(column <= lte)
    return stmt


def render_run(run: DagRun) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "dag_run_id": run.run_id,
        "execution_date": run.logical_date,
        "logical_date": run.logical_date,
        "state": run.state,
        "run_type": run.run_type,
        "external_trigger": run.external_trigger,
        "data_interval_start": run.data_interval_start,
        "data_interval_end": run.data_interval_end,
        "start_date": run.start_date,
        "end_date": run.end_date,
        "queued_at": run.queued_at,
        "last_scheduling_decision": run.last_scheduling_decision,
        "conf": run.conf or {},
        "note": run.note,
    }


class TriggerBody(BaseModel):
    """Seed: execution_date, conf. Airflow: logical_date, dag_run_id, data_interval_*, note."""

    model_config = ConfigDict(extra="ignore")

    execution_date: IsoDatetime | None = None
    logical_date: IsoDatetime | None = None
    dag_run_id: str | None = Field(default=None, min_length=1, max_length=250)
    run_id: str | None = Field(default=None, min_length=1, max_length=250)
    data_interval_start: IsoDatetime | None = None
    data_interval_end: IsoDatetime | None = None
    conf: Any = None
    note: str | None = None

    @field_validator("execution_date", "logical_date", "data_interval_start", "data_interval_end")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return aware(v)

    @model_validator(mode="after")
    def _check(self) -> TriggerBody:
        if self.conf is not None and not isinstance(self.conf, dict):
            raise ValueError("conf must be a JSON object")
        check_json(self.conf, "conf")
        if self.execution_date and self.logical_date and self.execution_date != self.logical_date:
            raise ValueError("execution_date and logical_date differ")
        if self.dag_run_id and self.run_id and self.dag_run_id != self.run_id:
            raise ValueError("dag_run_id and run_id differ")
        if (self.data_interval_start is None) != (self.data_interval_end is None):
            raise ValueError("give both data_interval_start and data_interval_end, or neither")
        if (
            self.data_interval_start
            and self.data_interval_end
            and (self.data_interval_start > self.data_interval_end)
        ):
            raise ValueError("data_interval_start is after data_interval_end")
        return self

    @property
    def the_logical_date(self) -> datetime | None:
        return self.logical_date or self.execution_date

    @property
    def the_run_id(self) -> str | None:
        return self.dag_run_id or self.run_id


class RunStateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: str

    @field_validator("state")
    @classmethod
    def _known(cls, v: str) -> str:
        if v not in ("success", "failed", "queued"):
            raise ValueError("state must be one of success, failed, queued")
        return v


class ClearRunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = True


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str | None


class ListRunsForm(BaseModel):
    """Airflow's ListDagRunsForm for POST /dags/~/dagRuns/list."""

    model_config = ConfigDict(extra="forbid")

    order_by: str | None = None
    page_offset: int = Field(default=0, ge=0, le=INT64[1])
    page_limit: int = Field(default=100, ge=0)
    dag_ids: list[str] | None = None
    states: list[str] | None = None
    execution_date_gte: IsoDatetime | None = None
    execution_date_lte: IsoDatetime | None = None
    start_date_gte: IsoDatetime | None = None
    start_date_lte: IsoDatetime | None = None
    end_date_gte: IsoDatetime | None = None
    end_date_lte: IsoDatetime | None = None

    @field_validator(
        "execution_date_gte",
        "execution_date_lte",
        "start_date_gte",
        "start_date_lte",
        "end_date_gte",
        "end_date_lte",
    )
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        return aware(v)

    @field_validator("states")
    @classmethod
    def _states(cls, v: list[str] | None) -> list[str] | None:
        bad = set(v or ()) - RUN_ALL
        if bad:
            raise ValueError(f"unknown state(s): {', '.join(sorted(bad))}")
        return v
