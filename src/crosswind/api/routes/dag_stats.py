"""/dagStats: how many runs of each DAG are in each state (Airflow's DAGs page counts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.errors import InvalidInput
from crosswind.models import DagModel, DagRun
from crosswind.states import RunState

router = APIRouter(tags=["DagStats"])
# Airflow lists every run state for every DAG, zeros included, in this order.
_STATES = [RunState.QUEUED, RunState.RUNNING, RunState.SUCCESS, RunState.FAILED]


@router.get("/dagStats")
def dag_stats(state: State, who: Allow("dag_run", "read"),
              dag_ids: Annotated[str, Query()]) -> JSON:
    wanted = {d.strip() for d in dag_ids.split(",") if d.strip()}
    if not wanted:
        raise InvalidInput("dag_ids must name at least one DAG")
    wanted = {d for d in wanted if who.can_dag(d)}
    with state.db.read() as s:
        known = set(s.scalars(select(DagModel.dag_id).where(DagModel.dag_id.in_(wanted))))
        counts = {(d, st): n for d, st, n in s.execute(
            select(DagRun.dag_id, DagRun.state, func.count())
            .where(DagRun.dag_id.in_(known)).group_by(DagRun.dag_id, DagRun.state))}
    dags = [{"dag_id": d, "stats": [{"state": str(st), "count": counts.get((d, str(st)), 0)}
                                    for st in _STATES]}
            for d in sorted(known)]
    return JSON({"dags": dags, "total_entries": len(dags)})
