"""/datasets: list, get, events (list, create from outside), queued events; and
/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamDatasetEvents and /dags/{dag_id}/datasets/.

Rights as Airflow's FAB grants them: every role reads; User and above create events;
Op and above delete queued events. A created event queues its consumers and wakes the
scheduler, which creates their runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.responses import JSON
from crosswind.api.schemas.dag_runs import parse_dt
from crosswind.api.schemas.datasets import (
    CreateDatasetEvent,
    render_dataset,
    render_event,
    render_queued,
)
from crosswind.dags.datasets import sanitize_uri
from crosswind.db.base import utcnow
from crosswind.errors import InvalidInput
from crosswind.models import DatasetEvent, DatasetModel
from crosswind.store import dag_runs as run_store
from crosswind.store import datasets as store
from crosswind.store import event_log
from crosswind.store.datasets import QueuedEventNotFound

router = APIRouter(tags=["Dataset"])
ORDER = {"id": DatasetModel.id, "uri": DatasetModel.uri, "created_at": DatasetModel.created_at,
         "updated_at": DatasetModel.updated_at}
EVENT_ORDER = {"source_dag_id": DatasetEvent.source_dag_id,
               "source_task_id": DatasetEvent.source_task_id,
               "source_run_id": DatasetEvent.source_run_id,
               "source_map_index": DatasetEvent.source_map_index,
               "timestamp": DatasetEvent.timestamp, "id": DatasetEvent.id}
Before = Annotated[str | None, Query()]


def _events(s: Session, rows: Sequence[Any]) -> list[dict[str, Any]]:
    runs = store.created_runs(s, [e.id for e, _ in rows])
    return [render_event(e, uri, runs[e.id]) for e, uri in rows]


def _queued_collection(rows: list[tuple[Any, ...]]) -> JSON:
    # Airflow's server says `queued_events`, its spec (and client) `datasets`: carry both.
    items = [render_queued(*r) for r in rows]
    return JSON({"queued_events": items, "datasets": items, "total_entries": len(items)})


@router.get("/datasets")
def list_datasets(state: State, page: PageDep, _: Allow("dataset", "read"),
                  uri_pattern: str | None = None, dag_ids: str | None = None) -> JSON:
    ids = [d.strip() for d in (dag_ids or "").split(",") if d.strip()]
    with state.db.read() as s:
        rows, total = paginate(s, store.list_query(uri_pattern, ids), page, ORDER,
                               DatasetModel.id, "id")
        cons, prod = store.references(s, [d.id for d in rows])
        items = [render_dataset(d, cons[d.id], prod[d.id]) for d in rows]
    return JSON({"datasets": items, "total_entries": total})


@router.get("/datasets/events")
def list_events(state: State, page: PageDep, _: Allow("dataset", "read"),
                dataset_id: int | None = None, source_dag_id: str | None = None,
                source_task_id: str | None = None, source_run_id: str | None = None,
                source_map_index: int | None = None) -> JSON:
    stmt = store.events_query({"dataset_id": dataset_id, "source_dag_id": source_dag_id,
                               "source_task_id": source_task_id,
                               "source_run_id": source_run_id,
                               "source_map_index": source_map_index})
    with state.db.read() as s:
        rows, total = paginate(s, stmt, page, EVENT_ORDER, DatasetEvent.id, "timestamp",
                               columns=True)
        items = _events(s, rows)
    return JSON({"dataset_events": items, "total_entries": total})


@router.post("/datasets/events")
def create_event(body: CreateDatasetEvent, state: State,
                 who: Allow("dataset", "write")) -> JSON:
    try:
        uri = sanitize_uri(body.dataset_uri)
    except ValueError as exc:
        raise InvalidInput(f"dataset_uri: {exc}") from exc
    extra = {**(body.extra or {}), "from_rest_api": True}
    with state.db.write() as s:
        event_id = store.create_event(s, uri, extra, utcnow())
        event_log.record(s, "create_dataset_event", who.username, extra={"uri": uri})
    state.notify_scheduler()
    with state.db.read() as s:
        rows = s.execute(store.events_query({"id": event_id})).all()
        return JSON(_events(s, rows)[0])


@router.get("/datasets/queuedEvent/{uri:path}")
def dataset_queued(uri: str, state: State, _: Allow("dataset_queue", "read"),
                   before: Before = None) -> JSON:
    with state.db.read() as s:
        rows = store.queued(s, uri=uri, before=parse_dt("before", before))
    if not rows:
        raise QueuedEventNotFound(f"Queue event with dataset uri: `{uri}` was not found")
    return _queued_collection(rows)


@router.delete("/datasets/queuedEvent/{uri:path}", status_code=204)
def delete_dataset_queued(uri: str, state: State, who: Allow("dataset_queue", "write"),
                          before: Before = None) -> Response:
    cut = parse_dt("before", before)
    with state.db.write() as s:
        if not store.delete_queued(s, uri=uri, before=cut):
            raise QueuedEventNotFound(f"Queue event with dataset uri: `{uri}` was not found")
        event_log.record(s, "delete_dataset_queued_events", who.username, extra={"uri": uri})
    return Response(status_code=204)


@router.get("/datasets/{uri:path}")
def get_dataset(uri: str, state: State, _: Allow("dataset", "read")) -> JSON:
    with state.db.read() as s:
        ds = store.by_uri(s, uri)
        cons, prod = store.references(s, [ds.id])
        return JSON(render_dataset(ds, cons[ds.id], prod[ds.id]))


@router.get("/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamDatasetEvents")
def upstream_events(dag_id: str, dag_run_id: str, state: State,
                    _: Allow("dag_run", "read")) -> JSON:
    with state.db.read() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        rows = s.execute(store.upstream_events(s, run).order_by(DatasetEvent.timestamp,
                                                                DatasetEvent.id)).all()
        items = _events(s, rows)
    return JSON({"dataset_events": items, "total_entries": len(items)})


@router.get("/dags/{dag_id}/datasets/queuedEvent")
def dag_queued(dag_id: str, state: State, _: Allow("dataset_queue", "read"),
               before: Before = None) -> JSON:
    with state.db.read() as s:
        store.dag_exists(s, dag_id)
        rows = store.queued(s, dag_id=dag_id, before=parse_dt("before", before))
    if not rows:
        raise QueuedEventNotFound(f"Queue event with dag_id: `{dag_id}` was not found")
    return _queued_collection(rows)


@router.delete("/dags/{dag_id}/datasets/queuedEvent", status_code=204)
def delete_dag_queued(dag_id: str, state: State, who: Allow("dataset_queue", "write"),
                      before: Before = None) -> Response:
    cut = parse_dt("before", before)
    with state.db.write() as s:
        store.dag_exists(s, dag_id)
        if not store.delete_queued(s, dag_id=dag_id, before=cut):
            raise QueuedEventNotFound(f"Queue event with dag_id: `{dag_id}` was not found")
        event_log.record(s, "delete_dag_dataset_queued_events", who.username, dag_id=dag_id)
    return Response(status_code=204)


@router.get("/dags/{dag_id}/datasets/queuedEvent/{uri:path}")
def dag_queued_one(dag_id: str, uri: str, state: State, _: Allow("dataset_queue", "read"),
                   before: Before = None) -> JSON:
    with state.db.read() as s:
        store.dag_exists(s, dag_id)
        rows = store.queued(s, dag_id=dag_id, uri=uri, before=parse_dt("before", before))
    if not rows:
        raise QueuedEventNotFound(
            f"Queue event with dag_id: `{dag_id}` and dataset uri: `{uri}` was not found")
    return JSON(render_queued(*rows[0]))


@router.delete("/dags/{dag_id}/datasets/queuedEvent/{uri:path}", status_code=204)
def delete_dag_queued_one(dag_id: str, uri: str, state: State,
                          who: Allow("dataset_queue", "write"), before: Before = None
                          ) -> Response:
    cut = parse_dt("before", before)
    with state.db.write() as s:
        store.dag_exists(s, dag_id)
        if not store.delete_queued(s, dag_id=dag_id, uri=uri, before=cut):
            raise QueuedEventNotFound(
                f"Queue event with dag_id: `{dag_id}` and dataset uri: `{uri}` was not found")
        event_log.record(s, "delete_dag_dataset_queued_event", who.username, dag_id=dag_id,
                         extra={"uri": uri})
    return Response(status_code=204)
