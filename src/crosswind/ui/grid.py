"""GET /ui/data/dags/{dag_id}/grid: a DAG's grid in one compact answer.

    {"runs":   [{run_id, state, logical_date, run_type}, ...]   oldest first (left to right)
     "tasks":  [task_id, ...]                                    the DAG's order (rows)
     "states": ["success", "failed", ...]                        the states used below
     "cells":  [[i, ...], ...]      per task, per run: index into states, -1 = no instance
     "mapped": {task_id: [count per run]}                        mapped tasks only}

1,000 tasks x 25 runs is 25,000 small integers (~60 kB of JSON), from one query on the
(dag_id, run_id) index of task_instances; the browser builds the table from it. A mapped
task's cell shows the most pressing state of its instances (see PRIORITY).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import bindparam, select

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.models import DagRun, TaskInstance
from crosswind.store.dag_runs import serialized

router = APIRouter(prefix="/ui/data", include_in_schema=False)
MAX_RUNS = 100
# What a mapped task's cell shows when its instances differ: the first state present.
PRIORITY = ("failed", "upstream_failed", "up_for_retry", "running", "restarting",
            "deferred", "up_for_reschedule", "queued", "scheduled", "none", "skipped",
            "removed", "success")
_RANK = {s: i for i, s in enumerate(PRIORITY)}
_TI = TaskInstance.__table__.c
_TIS = (select(_TI.task_id, _TI.run_id, _TI.map_index, _TI.state)
        .where(_TI.dag_id == bindparam("dag_id"),
               _TI.run_id.in_(bindparam("run_ids", expanding=True))))


def _runs(s: Any, dag_id: str, limit: int) -> list[dict[str, Any]]:
    stmt = (select(DagRun.run_id, DagRun.state, DagRun.logical_date, DagRun.run_type)
            .where(DagRun.dag_id == dag_id)
            .order_by(DagRun.logical_date.desc(), DagRun.id.desc()).limit(limit))
    return [{"run_id": r.run_id, "state": r.state, "run_type": r.run_type,
             "logical_date": r.logical_date.isoformat()} for r in reversed(s.execute(stmt).all())]


def _worse(a: str, b: str) -> str:
    return a if _RANK.get(a, 0) <= _RANK.get(b, 0) else b


@router.get("/dags/{dag_id}/grid")
def grid(dag_id: str, state: State, _: Allow("task_instance", "read"),
         runs: Annotated[int, Query(ge=1, le=MAX_RUNS)] = 25) -> JSON:
    with state.db.read() as s:
        tasks = [t["task_id"] for t in serialized(s, dag_id).get("tasks", [])]
        run_rows = _runs(s, dag_id, runs)
        col = {r["run_id"]: i for i, r in enumerate(run_rows)}
    # Core on a plain connection, not the Session: 25,000 rows cost ~3x less without the
    # ORM's per-row work.
    with state.db.engine.connect() as conn:
        found = conn.execute(_TIS, {"dag_id": dag_id, "run_ids": list(col)}).all() if col else []
    row = {t: i for i, t in enumerate(tasks)}
    cells: list[list[str | None]] = [[None] * len(run_rows) for _ in tasks]
    counts: dict[str, list[int]] = {}
    for task_id, run_id, map_index, ti_state in found:
        r = row.get(task_id)
        if r is None:  # an instance of a task no longer in the DAG
            continue
        c, st = col[run_id], ti_state or "none"
        cur = cells[r][c]
        cells[r][c] = st if cur is None else _worse(cur, st)
        if map_index >= 0:
            counts.setdefault(task_id, [0] * len(run_rows))[c] += 1
    names: dict[str, int] = {}
    coded = [[-1 if x is None else names.setdefault(x, len(names)) for x in line]
             for line in cells]
    return JSON({"runs": run_rows, "tasks": tasks, "states": list(names), "cells": coded,
                 "mapped": counts})
