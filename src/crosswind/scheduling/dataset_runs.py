"""Dataset-triggered runs: a consumer DAG gets a run when its condition holds over the
datasets queued for it (`dataset_dag_run_queue`), as Airflow 2.10's scheduler does.

    logical_date   the newest queued created_at of the DAG
    run_id         dataset_triggered__<logical_date>
    data interval  min/max over the consumed events: the source run's data interval,
                   else the event time (no events: [logical_date, logical_date])
    consumed       events of the DAG's datasets after its previous dataset-triggered run,
                   up to logical_date (dagrun_dataset_event)

Exactly once: the queue rows read are deleted guarded on their created_at (a newer event
for the same pair moved it, so it stays for the next run), in the transaction that creates
the run; on PostgreSQL the consumer's dags row is locked (SKIP LOCKED), and the unique
(dag_id, logical_date) refuses a second run in any case.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crosswind.dags.datasets import evaluate, expression_aliases
from crosswind.errors import AlreadyExists
from crosswind.models import (
    DagModel,
    DagRun,
    DagRunDatasetEvent,
    DagScheduleDatasetReference,
    DatasetAliasDataset,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
)
from crosswind.scheduling.dag_cache import DagCache
from crosswind.store.dag_runs import create_run

log = logging.getLogger(__name__)
Q = DatasetDagRunQueue
RUN_TYPE = "dataset_triggered"
_QUEUE = select(Q.target_dag_id, Q.dataset_id, Q.created_at, DatasetModel.uri).join(
    DatasetModel, DatasetModel.id == Q.dataset_id)


def _alias_map(session: Session, names: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {n: set() for n in names}
    if names:
        for name, uri in session.execute(
                select(DatasetAliasModel.name, DatasetModel.uri)
                .join(DatasetAliasDataset, DatasetAliasDataset.alias_id == DatasetAliasModel.id)
                .join(DatasetModel, DatasetModel.id == DatasetAliasDataset.dataset_id)
                .where(DatasetAliasModel.name.in_(names))):
            out[name].add(uri)
    return out


def _ready_dags(session: Session, dag_ids: set[str]) -> set[str]:
    stmt = select(DagModel.dag_id).where(
        DagModel.dag_id.in_(dag_ids), DagModel.is_active.is_(True),
        DagModel.is_paused.is_(False))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return set(session.scalars(stmt))


def create_dataset_runs(session: Session, cache: DagCache, now: datetime) -> int:
    """Create the runs whose dataset condition holds; returns how many."""
    rows = session.execute(_QUEUE).all()
    if not rows:
        return 0
    dag_ids = _ready_dags(session, {r[0] for r in rows})
    if not dag_ids:
        return 0
    if session.get_bind().dialect.name == "postgresql":  # re-read what we now hold
        rows = session.execute(_QUEUE.where(Q.target_dag_id.in_(dag_ids))).all()
    queued: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        if r[0] in dag_ids:
            queued[r[0]].append(r)
    infos = cache.get_many(session, set(queued))
    exprs = {d: infos[d].data.get("dataset_expression") for d in queued if d in infos}
    aliases = _alias_map(session, {a for e in exprs.values() if e is not None
                                   for a in expression_aliases(e)})
    active = dict(session.execute(
        select(DagRun.dag_id, func.count()).where(
            DagRun.dag_id.in_(set(queued)), DagRun.state.in_(("queued", "running")))
        .group_by(DagRun.dag_id)).all())
    created = 0
    for dag_id, entries in queued.items():
        expr, info = exprs.get(dag_id), infos.get(dag_id)
        if expr is None or info is None:
            continue
        if not evaluate(expr, {e[3] for e in entries}, lambda n: aliases.get(n, set())):
            continue
        if active.get(dag_id, 0) >= info.max_active_runs:
            continue  # Airflow: no new run while max_active_runs are active
        created += _create(session, info.data, entries, aliases)
    return created


def _consumed_events(session: Session, dag_id: str, dataset_ids: set[int],
                     at: datetime) -> list[DatasetEvent]:
    previous = session.scalar(select(func.max(DagRun.logical_date)).where(
        DagRun.dag_id == dag_id, DagRun.run_type == RUN_TYPE, DagRun.logical_date < at))
    stmt = select(DatasetEvent).where(DatasetEvent.dataset_id.in_(dataset_ids),
                                      DatasetEvent.timestamp <= at)
    if previous is not None:
        stmt = stmt.where(DatasetEvent.timestamp > previous)
    return list(session.scalars(stmt.order_by(DatasetEvent.timestamp, DatasetEvent.id)))


def _interval(session: Session, events: list[DatasetEvent], at: datetime
              ) -> tuple[datetime, datetime]:
    if not events:
        return at, at
    keys = {(e.source_dag_id, e.source_run_id) for e in events if e.source_run_id}
    runs: dict[tuple[str, str], tuple[datetime | None, datetime | None]] = {}
    for dag_id, run_id in keys:
        row = session.execute(select(DagRun.data_interval_start, DagRun.data_interval_end).where(
            DagRun.dag_id == dag_id, DagRun.run_id == run_id)).first()
        if row is not None:
            runs[(dag_id, run_id)] = (row[0], row[1])
    starts, ends = [], []
    for e in events:
        start, end = runs.get((e.source_dag_id, e.source_run_id), (None, None))  # type: ignore[arg-type]
        starts.append(start or e.timestamp)
        ends.append(end or e.timestamp)
    return min(starts), max(ends)


def _create(session: Session, data: dict[str, Any], entries: list[Any],
            aliases: dict[str, set[str]]) -> int:
    dag_id = data["dag_id"]
    at = max(e[2] for e in entries)
    ids = set(session.scalars(select(DagScheduleDatasetReference.dataset_id).where(
        DagScheduleDatasetReference.dag_id == dag_id)))
    alias_uris = {u for a in expression_aliases(data["dataset_expression"])
                  for u in aliases.get(a, ())}
    if alias_uris:
        ids |= set(session.scalars(select(DatasetModel.id).where(DatasetModel.uri.in_(alias_uris))))
    ids |= {e[1] for e in entries}
    events = _consumed_events(session, dag_id, ids, at)
    made = 0
    try:
        with session.begin_nested():
            run = create_run(session, data, logical_date=at,
                             data_interval=_interval(session, events, at), run_type=RUN_TYPE)
            session.add_all(DagRunDatasetEvent(dag_run_id=run.id, event_id=e.id) for e in events)
            session.flush()
            made = 1
    except AlreadyExists:
        log.info("dataset-triggered run of %s at %s exists already", dag_id, at)
    for _dag, ds_id, created_at, _uri in entries:
        session.execute(delete(Q).where(Q.target_dag_id == dag_id, Q.dataset_id == ds_id,
                                        Q.created_at == created_at))
    return made
