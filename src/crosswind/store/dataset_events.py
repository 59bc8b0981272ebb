"""Recording dataset events: one call per producing try (inside the transaction that
records its success) or per `POST /datasets/events`.

For each event: the dataset row (created for a URI first named through an alias), the
event, its aliases (and the alias -> dataset link), and one `dataset_dag_run_queue` row per
active, unpaused consumer: DAGs scheduled on the dataset or on an alias that resolved to
it. A queue row that exists already gets the newer `created_at`, so a scheduler consuming
the older one (guarded on `created_at`) leaves it queued for the next run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from crosswind.models import (
    DagModel,
    DagScheduleDatasetAliasReference,
    DagScheduleDatasetReference,
    DatasetAliasDataset,
    DatasetAliasDatasetEvent,
    DatasetAliasModel,
    DatasetDagRunQueue,
    DatasetEvent,
    DatasetModel,
)

DS = DatasetModel.__table__
ALIAS = DatasetAliasModel.__table__
ALIAS_DS = DatasetAliasDataset.__table__
ALIAS_EV = DatasetAliasDatasetEvent.__table__
EV = DatasetEvent.__table__
DDRQ = DatasetDagRunQueue.__table__
REF = DagScheduleDatasetReference.__table__
AREF = DagScheduleDatasetAliasReference.__table__
DAGS = DagModel.__table__


def _insert(c: Connection, table: Any) -> Any:
    return (postgresql.insert(table) if c.dialect.name == "postgresql"
            else sqlite.insert(table))


def ignore_duplicates(c: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    if rows:
        c.execute(_insert(c, table).on_conflict_do_nothing(), rows)


def dataset_id(c: Connection, uri: str, create: bool, now: datetime) -> int | None:
    found = c.scalar(select(DS.c.id).where(DS.c.uri == uri))
    if found is None and create:
        ignore_duplicates(c, DS, [{"uri": uri, "extra": {}, "created_at": now,
                                   "updated_at": now, "is_orphaned": False}])
        found = c.scalar(select(DS.c.id).where(DS.c.uri == uri))
    return found


def alias_ids(c: Connection, names: Iterable[str]) -> dict[str, int]:
    names = sorted(set(names))
    if not names:
        return {}
    ignore_duplicates(c, ALIAS, [{"name": n} for n in names])
    return dict(c.execute(select(ALIAS.c.name, ALIAS.c.id).where(ALIAS.c.name.in_(names))).all())


def _consumers(c: Connection, ds_id: int) -> list[str]:
    via_alias = select(AREF.c.dag_id).join(ALIAS_DS, ALIAS_DS.c.alias_id == AREF.c.alias_id).where(
        ALIAS_DS.c.dataset_id == ds_id)
    direct = select(REF.c.dag_id).where(REF.c.dataset_id == ds_id)
    ids = union(direct, via_alias).subquery()
    return list(c.scalars(select(DAGS.c.dag_id).where(
        DAGS.c.dag_id.in_(select(ids.c.dag_id)), DAGS.c.is_active.is_(True),
        DAGS.c.is_paused.is_(False))))


def queue_consumers(c: Connection, ds_id: int, now: datetime) -> list[str]:
    dag_ids = _consumers(c, ds_id)
    if dag_ids:
        stmt = _insert(c, DDRQ)
        c.execute(stmt.on_conflict_do_update(
            index_elements=[DDRQ.c.dataset_id, DDRQ.c.target_dag_id],
            set_={"created_at": stmt.excluded.created_at}),
            [{"dataset_id": ds_id, "target_dag_id": d, "created_at": now} for d in dag_ids])
    return dag_ids


def record(c: Connection, events: list[dict[str, Any]], source: dict[str, Any] | None,
           now: datetime) -> list[int]:
    """Insert the events ({"uri", "extra", "aliases"}); returns their ids. A URI no DAG
    references and no alias named is skipped, as Airflow does."""
    ids: list[int] = []
    for ev in events:
        aliases = list(ev.get("aliases") or ())
        ds_id = dataset_id(c, ev["uri"], create=bool(aliases), now=now)
        if ds_id is None:
            continue
        row = {"dataset_id": ds_id, "extra": ev.get("extra") or {}, "timestamp": now,
               "source_dag_id": None, "source_task_id": None, "source_run_id": None,
               "source_map_index": -1, **(source or {})}
        event_id = c.execute(EV.insert().values(**row).returning(EV.c.id)).scalar_one()
        ids.append(event_id)
        by_name = alias_ids(c, aliases)
        ignore_duplicates(c, ALIAS_DS, [{"alias_id": a, "dataset_id": ds_id}
                                        for a in by_name.values()])
        ignore_duplicates(c, ALIAS_EV, [{"alias_id": a, "event_id": event_id}
                                        for a in by_name.values()])
        queue_consumers(c, ds_id, now)
    return ids
