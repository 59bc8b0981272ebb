"""Compact JSON for what the public API cannot give in one cheap call.

    GET /ui/data/recent-runs?dag_id=a&dag_id=b   the last RECENT_RUNS runs of each DAG

Authenticated like the API (session cookie, Basic or a token) and checked with the same
rights; a token confined to some DAGs sees only theirs.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.errors import InvalidInput
from crosswind.models import DagRun

router = APIRouter(prefix="/ui/data", include_in_schema=False)
RECENT_RUNS = 10
MAX_DAGS = 100  # a DAGs page shows at most 100 rows


@router.get("/recent-runs")
def recent_runs(state: State, who: Allow("dag_run", "read"),
                dag_id: Annotated[list[str] | None, Query()] = None) -> JSON:
    """{dag_id: [{run_id, state, logical_date, run_type}, ...newest first]}: one query over
    the (dag_id, logical_date) unique index, whatever the number of runs each DAG has."""
    ids = sorted({d for d in dag_id or () if who.can_dag(d)})
    if len(ids) > MAX_DAGS:
        raise InvalidInput(f"at most {MAX_DAGS} dag_id values per request")
    out: dict[str, list[dict[str, Any]]] = {d: [] for d in ids}
    if not ids:
        return JSON(out)
    rank = func.row_number().over(partition_by=DagRun.dag_id,
                                  order_by=(DagRun.logical_date.desc(), DagRun.id.desc()))
    ranked = (select(DagRun.dag_id, DagRun.run_id, DagRun.state, DagRun.logical_date,
                     DagRun.run_type, rank.label("n"))
              .where(DagRun.dag_id.in_(ids)).subquery())
    stmt = (select(ranked.c.dag_id, ranked.c.run_id, ranked.c.state, ranked.c.logical_date,
                   ranked.c.run_type)
            .where(ranked.c.n <= RECENT_RUNS).order_by(ranked.c.dag_id, ranked.c.n))
    with state.db.read() as s:
        for row in s.execute(stmt):
            out[row.dag_id].append({
                "run_id": row.run_id, "state": row.state,
                "logical_date": row.logical_date.isoformat() if row.logical_date else None,
                "run_type": row.run_type})
    return JSON(out)
