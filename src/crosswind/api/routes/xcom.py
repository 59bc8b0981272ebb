"""XCom entries of a task instance: list (key filter, pages) and one entry with its value."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.responses import JSON
from crosswind.api.schemas.xcom import render_item, shown_value
from crosswind.errors import NotFound
from crosswind.models import XCom
from crosswind.store import dag_runs as run_store
from crosswind.store import task_instances as ti_store

router = APIRouter(tags=["XCom"])
ORDER = {"key": XCom.key, "timestamp": XCom.timestamp, "map_index": XCom.map_index, "id": XCom.id}
_PATH = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries"
MapIndex = Annotated[int | None, Query(ge=-1)]


@router.get(_PATH)
def list_xcom(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    state: State,
    page: PageDep,
    _: Allow("xcom", "read"),
    xcom_key: str | None = None,
    map_index: MapIndex = None,
) -> JSON:
    stmt = select(XCom).where(
        XCom.dag_id == dag_id, XCom.run_id == dag_run_id, XCom.task_id == task_id
    )
    if xcom_key is not None:
        stmt = stmt.where(XCom.key == xcom_key)
    if map_index is not None:
        stmt = stmt.where(XCom.map_index == map_index)
    with state.db.read() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        ti_store.get_ti(s, dag_id, dag_run_id, task_id, -1 if map_index is None else map_index)
        rows, total = paginate(s, stmt, page, ORDER, XCom.id)
        items = [render_item(x, run.logical_date) for x in rows]
    return JSON({"xcom_entries": items, "total_entries": total})


@router.get(_PATH + "/{xcom_key}")
def get_xcom(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    xcom_key: str,
    state: State,
    _: Allow("xcom", "read"),
    map_index: Annotated[int, Query(ge=-1)] = -1,
    deserialize: bool = False,
    stringify: bool = True,
) -> JSON:
    with state.db.read() as s:
        run = run_store.get_run(s, dag_id, dag_run_id)
        x = s.scalars(
            select(XCom).where(
                XCom.dag_id == dag_id,
                XCom.run_id == dag_run_id,
                XCom.task_id == task_id,
                XCom.map_index == map_index,
                XCom.key == xcom_key,
            )
        ).first()
        if x is None:
            raise NotFound(f"XCom entry {xcom_key!r} of task {task_id!r} not found")
        out = render_item(x, run.logical_date)
        out["value"] = shown_value(x.value, deserialize=deserialize, stringify=stringify)
    return JSON(out)
