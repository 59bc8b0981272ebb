"""/taskInstances/{task_id}/dependencies (also per map index) and /links, as Airflow 2.11.

dependencies: `{"dependencies": [{"name", "reason"}]}`, what keeps a waiting task instance
from running, by the scheduler's own checks (crosswind.scheduling.ti_blockers). Unlike
Airflow, which answers only for state none/scheduled, a task waiting for its retry gets
"Not In Retry Period" with the time of the next try.

links: Airflow answers a JSON object `{link name: url}` (not its spec's ExtraLinkCollection).
Crosswind's operators have no extra links, so it is `{}` for a task instance that exists.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from crosswind.api.deps import Allow, State
from crosswind.api.reads import read_session
from crosswind.api.responses import JSON
from crosswind.db.base import utcnow
from crosswind.scheduling import ti_blockers
from crosswind.store import task_instances as store

router = APIRouter(tags=["TaskInstance"])
_PATH = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"


def _dependencies(s: Session, dag_id: str, run_id: str, task_id: str,
                  map_index: int) -> dict[str, Any]:
    ti = store.get_ti(s, dag_id, run_id, task_id, map_index)
    found = ti_blockers.blockers(ti_blockers.facts(s, ti), utcnow())
    return {"dependencies": [{"name": n, "reason": r} for n, r in found]}


@router.get(_PATH + "/dependencies")
async def get_dependencies(dag_id: str, dag_run_id: str, task_id: str, state: State,
                           _: Allow("task_instance", "read")) -> JSON:
    return JSON(await read_session(
        state, lambda s: _dependencies(s, dag_id, dag_run_id, task_id, -1)))


@router.get(_PATH + "/{map_index:int}/dependencies")
async def get_mapped_dependencies(dag_id: str, dag_run_id: str, task_id: str, map_index: int,
                                  state: State, _: Allow("task_instance", "read")) -> JSON:
    return JSON(await read_session(
        state, lambda s: _dependencies(s, dag_id, dag_run_id, task_id, map_index)))


@router.get(_PATH + "/links")
async def get_links(dag_id: str, dag_run_id: str, task_id: str, state: State,
                    _: Allow("task_instance", "read"),
                    map_index: Annotated[int, Query(ge=-1, le=2**31 - 1)] = -1) -> JSON:
    def query(s: Session) -> dict[str, Any]:
        store.get_ti(s, dag_id, dag_run_id, task_id, map_index)  # 404 when there is none
        return {}

    return JSON(await read_session(state, query))
