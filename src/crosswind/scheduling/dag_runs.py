"""DAG runs: creating scheduled runs from timetables, keeping `dags.next_dagrun*` current,
and moving queued runs to running within `max_active_runs`.

Airflow 2 semantics: the run for data interval [start, end) is created at `end`
(run_after) with logical_date = start; paused DAGs get no new runs and their queued runs
(manual ones included) wait; all active runs count toward max_active_runs.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from crosswind.errors import AlreadyExists
from crosswind.models import DagModel, DagRun
from crosswind.scheduling.dag_cache import DagCache, DagInfo
from crosswind.scheduling.timetables import (
    DagRunInfo,
    DataInterval,
    TimetableError,
    next_run,
    timetable_for,
)
from crosswind.states import RunState
from crosswind.store import transitions
from crosswind.store.dag_runs import create_run

log = logging.getLogger(__name__)
ACTIVE = (RunState.QUEUED, RunState.RUNNING)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def next_info(
    data: dict[str, Any], last: DataInterval | None, now: datetime, default_catchup: bool
) -> DagRunInfo | None:
    """The next scheduled run of a serialized DAG after the `last` automated interval; None
    (logged) when its timetable fails, so one bad DAG never stops the scheduler."""
    catchup = data.get("catchup")
    try:
        return next_run(
            timetable_for(data.get("schedule")),
            last=last,
            start_date=_dt(data.get("start_date")),
            end_date=_dt(data.get("end_date")),
            catchup=default_catchup if catchup is None else bool(catchup),
            now=now,
        )
    except (TimetableError, ValueError, KeyError, TypeError) as exc:
        log.error("cannot compute the next run of DAG %s: %s", data.get("dag_id"), exc)
        return None


def _locked(session: Session, stmt: Any) -> Any:
    # Several schedulers on PostgreSQL: each takes rows nobody else holds.
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True)
    return stmt


def _set_next(session: Session, dag_id: str, info: DagRunInfo | None) -> None:
    session.execute(
        update(DagModel)
        .where(DagModel.dag_id == dag_id)
        .values(
            next_dagrun=info.logical_date if info else None,
            next_dagrun_data_interval_start=info.data_interval.start if info else None,
            next_dagrun_data_interval_end=info.data_interval.end if info else None,
            next_dagrun_create_after=info.run_after if info else None,
        )
    )


def _last_interval(session: Session, dag_id: str) -> DataInterval | None:
    row = session.execute(
        select(DagRun.data_interval_start, DagRun.data_interval_end)
        .where(DagRun.dag_id == dag_id, DagRun.run_type == "scheduled")
        .order_by(DagRun.logical_date.desc())
        .limit(1)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return DataInterval(row[0], row[1])


def refresh_next(
    session: Session, cache: DagCache, now: datetime, default_catchup: bool, since: datetime | None
) -> datetime | None:
    """Compute next_dagrun* for active DAGs parsed since `since` that have none yet.
    Returns the newest last_parsed_time seen (the caller's next watermark)."""
    stmt = select(DagModel.dag_id, DagModel.last_parsed_time).where(
        DagModel.is_active.is_(True), DagModel.next_dagrun_create_after.is_(None)
    )
    if since is not None:
        stmt = stmt.where(DagModel.last_parsed_time > since)
    rows = session.execute(stmt).all()
    infos = cache.get_many(session, {r[0] for r in rows})
    for dag_id, _parsed in rows:
        info = infos.get(dag_id)
        if info is None or (info.data.get("schedule") or {}).get("kind", "none") == "none":
            continue
        _set_next(
            session,
            dag_id,
            next_info(info.data, _last_interval(session, dag_id), now, default_catchup),
        )
    stamps = [r[1] for r in rows if r[1] is not None]
    return max(stamps) if stamps else since


def _active_counts(session: Session, dag_ids: set[str]) -> dict[str, int]:
    rows = session.execute(
        select(DagRun.dag_id, func.count())
        .where(DagRun.dag_id.in_(dag_ids), DagRun.state.in_(ACTIVE))
        .group_by(DagRun.dag_id)
    ).all()
    return dict(rows)


def create_scheduled_runs(
    session: Session, cache: DagCache, now: datetime, default_catchup: bool
) -> int:
    """Create the due scheduled runs of unpaused DAGs; returns how many."""
    due = session.execute(
        _locked(
            session,
            select(
                DagModel.dag_id,
                DagModel.next_dagrun_data_interval_start,
                DagModel.next_dagrun_data_interval_end,
                DagModel.next_dagrun_create_after,
            ).where(
                DagModel.is_active.is_(True),
                DagModel.is_paused.is_(False),
                DagModel.next_dagrun_create_after <= now,
            ),
        )
    ).all()
    if not due:
        return 0
    infos = cache.get_many(session, {r[0] for r in due})
    active = _active_counts(session, {r[0] for r in due})
    created = 0
    for dag_id, start, end, run_after in due:
        info = infos.get(dag_id)
        if info is None or start is None or end is None:
            continue
        if active.get(dag_id, 0) >= info.max_active_runs:
            continue  # Airflow: no new run while max_active_runs are active
        if (info.data.get("schedule") or {}).get("kind") == "continuous":
            # @continuous: the interval ends when the run is created, not when the
            # previous run was (max_active_runs held this one back meanwhile).
            end = run_after = max(start, now)
        run = DagRunInfo(run_after=run_after, data_interval=DataInterval(start, end))
        created += _create_one(session, info, run)
        _set_next(
            session, dag_id, next_info(info.data, DataInterval(start, end), now, default_catchup)
        )
    return created


def _create_one(session: Session, info: DagInfo, run: DagRunInfo) -> int:
    try:
        with session.begin_nested():
            create_run(
                session,
                info.data,
                logical_date=run.logical_date,
                data_interval=(run.data_interval.start, run.data_interval.end),
                run_type="scheduled",
            )
    except AlreadyExists:
        log.info("run of %s at %s exists already", info.data["dag_id"], run.logical_date)
        return 0
    return 1


# Statements run on every tick, built once (building one costs about as much as running
# it on SQLite).
_NEXT_DEADLINE = select(func.min(DagModel.next_dagrun_create_after)).where(
    DagModel.is_active.is_(True),
    DagModel.is_paused.is_(False),
    DagModel.next_dagrun_create_after
    > bindparam("now", type_=DagModel.next_dagrun_create_after.type),
)
_QUEUED_RUNS = (
    select(DagRun.id, DagRun.dag_id)
    .join(DagModel, DagModel.dag_id == DagRun.dag_id)
    .where(DagRun.state == RunState.QUEUED, DagModel.is_paused.is_(False))
    .order_by(DagRun.logical_date, DagRun.id)
)
_QUEUED_RUNS_LOCKED = _QUEUED_RUNS.with_for_update(skip_locked=True)


def next_creation_deadline(session: Session, now: datetime) -> datetime | None:
    return session.scalar(_NEXT_DEADLINE, {"now": now})


def start_queued_runs(session: Session, cache: DagCache, now: datetime) -> int:
    """queued → running for unpaused DAGs, oldest logical date first, within max_active_runs."""
    pg = session.get_bind().dialect.name == "postgresql"
    queued = session.execute(_QUEUED_RUNS_LOCKED if pg else _QUEUED_RUNS).all()
    if not queued:
        return 0
    dag_ids = {r[1] for r in queued}
    infos = cache.get_many(session, dag_ids)
    running = dict(
        session.execute(
            select(DagRun.dag_id, func.count())
            .where(DagRun.dag_id.in_(dag_ids), DagRun.state == RunState.RUNNING)
            .group_by(DagRun.dag_id)
        ).all()
    )
    chosen: list[int] = []
    for run_id, dag_id in queued:
        info = infos.get(dag_id)
        if info is None or running.get(dag_id, 0) >= info.max_active_runs:
            continue
        running[dag_id] = running.get(dag_id, 0) + 1
        chosen.append(run_id)
    return len(transitions.move_runs(session, chosen, [RunState.QUEUED], RunState.RUNNING,
                                     start_date=now, end_date=None))
