"""Manual DAG runs: one function for every way a run is triggered by hand.

The REST API (`POST /dags/{dag_id}/dagRuns`) and `TriggerDagRunOperator` (through the task
runtime backend) both call `create_manual_run`, so a run made by another DAG's task is the
same row an API trigger makes: state `queued`, run_type `manual`, external_trigger true,
the data interval the DAG's timetable infers for a manual run. A paused DAG's queued run
stays queued until the DAG is unpaused (the scheduler starts only unpaused DAGs' runs).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crosswind.errors import InvalidInput
from crosswind.models import DagRun
from crosswind.store import dag_runs


def manual_interval(dag: dict[str, Any], logical: datetime) -> tuple[datetime, datetime]:
    """The data interval the DAG's timetable infers for a run triggered at `logical`;
    InvalidInput when a user timetable raises."""
    from crosswind.scheduling import timetables

    try:
        iv = timetables.manual_interval(timetables.timetable_for(dag.get("schedule")), logical)
    except timetables.TimetableError as exc:
        raise InvalidInput(f"cannot infer the data interval of the run: {exc}") from None
    except (ValueError, KeyError):  # a schedule this process cannot rebuild (plugin missing)
        return logical, logical
    return iv.start, iv.end


def create_manual_run(
    session: Session,
    dag_id: str,
    *,
    logical_date: datetime,
    run_id: str | None = None,
    conf: dict[str, Any] | None = None,
    data_interval: tuple[datetime, datetime] | None = None,
    note: str | None = None,
    creating_user: str | None = None,
    idempotency_key: str | None = None,
) -> DagRun:
    """Insert a queued manual run of `dag_id`; NotFound / AlreadyExists as dag_runs.create_run,
    InvalidInput when conf breaks the DAG's params (nothing is created)."""
    from crosswind.dags.exceptions import ParamValidationError
    from crosswind.dags.params import validate_conf

    dag = dag_runs.serialized(session, dag_id)
    try:
        validate_conf(dag.get("param_specs"), conf)
    except ParamValidationError as err:
        raise InvalidInput(str(err)) from None
    return dag_runs.create_run(
        session,
        dag,
        logical_date=logical_date,
        data_interval=data_interval or manual_interval(dag, logical_date),
        run_type="manual",
        run_id=run_id,
        conf=conf,
        note=note,
        creating_user=creating_user,
        idempotency_key=idempotency_key,
    )
