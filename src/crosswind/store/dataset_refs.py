"""The DAG processor's dataset writes: which datasets and aliases each DAG is scheduled on
and which datasets its tasks produce (Airflow's reference tables), kept equal to the
serialized DAG on every write of it. Datasets and aliases are created when first named.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from crosswind.dags.datasets import expression_aliases, expression_uris
from crosswind.models import TaskOutletDatasetReference
from crosswind.store.dataset_events import AREF, DDRQ, DS, REF, alias_ids, ignore_duplicates

OUT = TaskOutletDatasetReference.__table__


def _dataset_ids(c: Connection, uris: set[str], extras: dict[str, Any],
                 now: datetime) -> dict[str, int]:
    """Ids of the datasets (created when missing); the extra a DAG file gives a dataset
    is stored on it, as Airflow does."""
    if not uris:
        return {}
    ignore_duplicates(c, DS, [{"uri": u, "extra": extras.get(u) or {}, "created_at": now,
                               "updated_at": now, "is_orphaned": False} for u in sorted(uris)])
    c.execute(update(DS).where(DS.c.uri.in_(uris), DS.c.is_orphaned.is_(True))
              .values(is_orphaned=False, updated_at=now))
    for uri, extra in extras.items():
        c.execute(update(DS).where(DS.c.uri == uri).values(extra=extra))
    return dict(c.execute(select(DS.c.uri, DS.c.id).where(DS.c.uri.in_(uris))).all())


def _has_datasets(data: dict[str, Any]) -> bool:
    return data.get("dataset_expression") is not None or any(
        t.get("outlets") for t in data.get("tasks", ()))


def sync_dags(c: Connection, datas: list[dict[str, Any]], now: datetime) -> None:
    """sync_dag for each written DAG that has or had dataset references; a few IN-queries
    find the latter, so a chunk of DAGs without datasets costs no query per DAG."""
    ids = [d["dag_id"] for d in datas]
    had: set[str] = set()
    for i in range(0, len(ids), 500):  # far below the bound-parameter limits
        part = ids[i : i + 500]
        for column in (REF.c.dag_id, AREF.c.dag_id, OUT.c.dag_id, DDRQ.c.target_dag_id):
            had.update(c.scalars(select(column).where(column.in_(part)).distinct()))
    for data in datas:
        if data["dag_id"] in had or _has_datasets(data):
            sync_dag(c, data, now)


def sync_dag(c: Connection, data: dict[str, Any], now: datetime) -> None:
    """Make the reference rows of one DAG match its serialized document."""
    dag_id = data["dag_id"]
    expr = data.get("dataset_expression")
    sched_uris = expression_uris(expr) if expr is not None else set()
    sched_aliases = expression_aliases(expr) if expr is not None else set()
    outlets = [(t["task_id"], o) for t in data.get("tasks", ()) for o in t.get("outlets", ())]
    out_uris = {o["uri"] for _, o in outlets if "uri" in o}
    extras = {**(data.get("dataset_extras") or {}),
              **{o["uri"]: o["extra"] for _, o in outlets if o.get("extra") is not None}}
    ids = _dataset_ids(c, sched_uris | out_uris, extras, now)
    aliases = alias_ids(c, sched_aliases | {o["alias"] for _, o in outlets if "alias" in o})
    _replace(c, REF, REF.c.dag_id == dag_id, REF.c.dataset_id,
             {ids[u] for u in sched_uris}, lambda i: {"dataset_id": i, "dag_id": dag_id,
                                                       "created_at": now, "updated_at": now})
    _replace(c, AREF, AREF.c.dag_id == dag_id, AREF.c.alias_id,
             {aliases[a] for a in sched_aliases}, lambda i: {"alias_id": i, "dag_id": dag_id,
                                                            "created_at": now, "updated_at": now})
    wanted = {(tid, ids[o["uri"]]) for tid, o in outlets if "uri" in o}
    have = set(c.execute(select(OUT.c.task_id, OUT.c.dataset_id).where(OUT.c.dag_id == dag_id)))
    for tid, ds_id in have - wanted:
        c.execute(delete(OUT).where(OUT.c.dag_id == dag_id, OUT.c.task_id == tid,
                                    OUT.c.dataset_id == ds_id))
    ignore_duplicates(c, OUT, [{"dag_id": dag_id, "task_id": tid, "dataset_id": i,
                                "created_at": now, "updated_at": now}
                               for tid, i in sorted(wanted - have)])
    if expr is None:  # no longer dataset-scheduled: nothing may stay queued for it
        c.execute(delete(DDRQ).where(DDRQ.c.target_dag_id == dag_id))


def _replace(c: Connection, table: Any, where: Any, column: Any, wanted: set[int],
             row: Any) -> None:
    have = set(c.scalars(select(column).where(where)))
    if have - wanted:
        c.execute(delete(table).where(where, column.in_(have - wanted)))
    ignore_duplicates(c, table, [row(i) for i in sorted(wanted - have)])



def forget_dag(c: Connection, dag_id: str) -> None:
    """A deleted DAG: its references and queued events go (datasets and events stay)."""
    for table, column in ((REF, REF.c.dag_id), (AREF, AREF.c.dag_id), (OUT, OUT.c.dag_id),
                          (DDRQ, DDRQ.c.target_dag_id)):
        c.execute(delete(table).where(column == dag_id))
