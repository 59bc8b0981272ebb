"""Dataset queries of the API and of tasks' `inlet_events` (reads), and the API's writes:
an event created from outside, and deleting queued events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from crosswind.errors import NotFound
from crosswind.models import (
    DagModel,
    DagRun,
    DagRunDatasetEvent,
    DagScheduleDatasetReference,
    DatasetAliasDatasetEvent,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
    TaskOutletDatasetReference,
)
from crosswind.store import dataset_events

DS, EV, Q = DatasetModel, DatasetEvent, DatasetDagRunQueue


class DatasetNotFound(NotFound):
    title = "Dataset not found"


class QueuedEventNotFound(NotFound):
    title = "Queue event not found"


def by_uri(session: Session, uri: str) -> DatasetModel:
    row = session.scalar(select(DS).where(DS.uri == uri))
    if row is None:
        raise DatasetNotFound(f"The Dataset with uri: `{uri}` was not found")
    return row


def list_query(uri_pattern: str | None, dag_ids: list[str]) -> Select[Any]:
    stmt = select(DS)
    if uri_pattern:
        stmt = stmt.where(DS.uri.ilike(f"%{uri_pattern}%"))
    if dag_ids:
        consuming = select(DagScheduleDatasetReference.dataset_id).where(
            DagScheduleDatasetReference.dag_id.in_(dag_ids))
        producing = select(TaskOutletDatasetReference.dataset_id).where(
            TaskOutletDatasetReference.dag_id.in_(dag_ids))
        stmt = stmt.where(or_(DS.id.in_(consuming), DS.id.in_(producing)))
    return stmt


def references(session: Session, ids: Sequence[int]) -> tuple[dict[int, list[Any]],
                                                               dict[int, list[Any]]]:
    """(consuming DAG refs, producing task refs) per dataset id."""
    cons: dict[int, list[Any]] = {i: [] for i in ids}
    prod: dict[int, list[Any]] = {i: [] for i in ids}
    if ids:
        for r in session.scalars(select(DagScheduleDatasetReference).where(
                DagScheduleDatasetReference.dataset_id.in_(ids))
                .order_by(DagScheduleDatasetReference.dag_id)):
            cons[r.dataset_id].append(r)
        for t in session.scalars(select(TaskOutletDatasetReference).where(
                TaskOutletDatasetReference.dataset_id.in_(ids)).order_by(
                TaskOutletDatasetReference.dag_id, TaskOutletDatasetReference.task_id)):
            prod[t.dataset_id].append(t)
    return cons, prod


def events_query(filters: dict[str, Any]) -> Select[Any]:
    stmt = select(EV, DS.uri).join(DS, DS.id == EV.dataset_id)
    for name, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(EV, name) == value)
    return stmt


def created_runs(session: Session, event_ids: Sequence[int]) -> dict[int, list[DagRun]]:
    out: dict[int, list[DagRun]] = {i: [] for i in event_ids}
    if event_ids:
        rows = session.execute(select(DagRunDatasetEvent.event_id, DagRun)
                               .join(DagRun, DagRun.id == DagRunDatasetEvent.dag_run_id)
                               .where(DagRunDatasetEvent.event_id.in_(event_ids))
                               .order_by(DagRun.id)).all()
        for event_id, run in rows:
            out[event_id].append(run)
    return out


def upstream_events(session: Session, run: DagRun) -> Select[Any]:
    consumed = select(DagRunDatasetEvent.event_id).where(DagRunDatasetEvent.dag_run_id == run.id)
    return events_query({}).where(EV.id.in_(consumed))


def inlet_events(session: Session, *, uri: str | None, alias: str | None,
                 consumed_by: tuple[str, str] | None = None) -> list[dict[str, Any]]:
    stmt = select(EV, DS.uri).join(DS, DS.id == EV.dataset_id)
    if consumed_by is not None:
        run_ids = select(DagRun.id).where(DagRun.dag_id == consumed_by[0],
                                          DagRun.run_id == consumed_by[1])
        stmt = stmt.where(EV.id.in_(select(DagRunDatasetEvent.event_id).where(
            DagRunDatasetEvent.dag_run_id.in_(run_ids))))
    elif alias is not None:
        stmt = stmt.join(DatasetAliasDatasetEvent, DatasetAliasDatasetEvent.event_id == EV.id).join(
            DatasetAliasModel, DatasetAliasModel.id == DatasetAliasDatasetEvent.alias_id).where(
            DatasetAliasModel.name == alias)
    else:
        stmt = stmt.where(DS.uri == uri)
    rows = session.execute(stmt.order_by(EV.timestamp, EV.id)).all()
    return [{"id": e.id, "dataset_id": e.dataset_id, "uri": u, "extra": e.extra,
             "source_dag_id": e.source_dag_id, "source_task_id": e.source_task_id,
             "source_run_id": e.source_run_id, "source_map_index": e.source_map_index,
             "timestamp": e.timestamp} for e, u in rows]


def create_event(session: Session, uri: str, extra: dict[str, Any], now: datetime) -> int:
    """An event from outside (`POST /datasets/events`): known datasets only (404 else)."""
    ds = by_uri(session, uri)
    conn = session.connection()
    event_id = conn.execute(dataset_events.EV.insert().values(
        dataset_id=ds.id, extra=extra, timestamp=now, source_map_index=-1)
        .returning(dataset_events.EV.c.id)).scalar_one()
    dataset_events.queue_consumers(conn, ds.id, now)
    return int(event_id)


def queued(session: Session, *, dag_id: str | None = None, uri: str | None = None,
           before: datetime | None = None) -> list[tuple[str, str, datetime]]:
    """(uri, dag_id, created_at) of the queued events that match."""
    stmt = select(DS.uri, Q.target_dag_id, Q.created_at).join(DS, DS.id == Q.dataset_id)
    if dag_id is not None:
        stmt = stmt.where(Q.target_dag_id == dag_id)
    if uri is not None:
        stmt = stmt.where(DS.uri == uri)
    if before is not None:
        stmt = stmt.where(Q.created_at < before)
    return [tuple(r) for r in session.execute(stmt.order_by(Q.created_at, DS.uri, Q.target_dag_id))]  # type: ignore[misc]


def delete_queued(session: Session, *, dag_id: str | None = None, uri: str | None = None,
                  before: datetime | None = None) -> int:
    stmt = delete(Q)
    if dag_id is not None:
        stmt = stmt.where(Q.target_dag_id == dag_id)
    if uri is not None:
        stmt = stmt.where(Q.dataset_id.in_(select(DS.id).where(DS.uri == uri)))
    if before is not None:
        stmt = stmt.where(Q.created_at < before)
    return int(session.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def dag_exists(session: Session, dag_id: str) -> None:
    if session.get(DagModel, dag_id) is None:
        raise NotFound(f"DAG with dag_id: '{dag_id}' not found")


def count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
