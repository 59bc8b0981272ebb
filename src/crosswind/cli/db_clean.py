"""What `crosswind db clean` purges: finished runs older than the cut-off with everything
hanging off them (task instances, tries, XComs, their log files), the event log and old
`jobs` rows.

As Airflow's, a run's age is its start date (a run that never started is not old), and
each DAG keeps its newest scheduled run (the scheduler computes the next run from it);
unlike Airflow's, queued and running runs are never purged.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from crosswind.db.engine import Database
from crosswind.execution.log_paths import log_path
from crosswind.models import DagRun, EventLog, Job, TaskInstance, TaskTry, XCom
from crosswind.states import RUN_FINISHED

TABLES = ("dag_run", "log", "job")
CHUNK = 500  # runs per DELETE: bounded IN lists and short transactions


def old_runs(session: Session, before: datetime) -> list[tuple[int, str, str]]:
    newest = (select(DagRun.dag_id, func.max(DagRun.logical_date).label("last"))
              .where(DagRun.run_type == "scheduled").group_by(DagRun.dag_id).subquery())
    rows = session.execute(
        select(DagRun.id, DagRun.dag_id, DagRun.run_id, DagRun.run_type, DagRun.logical_date,
               newest.c.last)
        .outerjoin(newest, newest.c.dag_id == DagRun.dag_id)
        .where(DagRun.start_date < before, DagRun.state.in_(sorted(RUN_FINISHED)))).all()
    return [(r[0], r[1], r[2]) for r in rows
            if not (r[3] == "scheduled" and r[4] == r[5])]


def _run_logs(logs: Path, dag_id: str, run_id: str) -> Path:
    # The run's folder: the parent of any try's log folder.
    return log_path(logs, dag_id, run_id, "x", 1).parent.parent


def _purge_runs(db: Database, logs: Path, runs: list[tuple[int, str, str]]) -> int:
    rows = 0
    for i in range(0, len(runs), CHUNK):
        chunk = runs[i:i + CHUNK]
        with db.write() as s:
            for model in (XCom, TaskTry, TaskInstance):
                for dag_id, ids in _by_dag(chunk).items():
                    rows += s.execute(delete(model).where(
                        model.dag_id == dag_id, model.run_id.in_(ids))).rowcount or 0
            rows += s.execute(delete(DagRun).where(
                DagRun.id.in_([i for i, _, _ in chunk]))).rowcount or 0
        for _, dag_id, run_id in chunk:  # after the commit: a failed one leaves files only
            shutil.rmtree(_run_logs(logs, dag_id, run_id), ignore_errors=True)
    return rows


def _by_dag(runs: list[tuple[int, str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for _, dag_id, run_id in runs:
        out.setdefault(dag_id, []).append(run_id)
    return out


def _count(session: Session, model: type, runs: list[tuple[int, str, str]]) -> int:
    total = 0
    for dag_id, run_ids in _by_dag(runs).items():
        for i in range(0, len(run_ids), CHUNK):
            total += session.scalar(select(func.count()).select_from(model).where(
                model.dag_id == dag_id, model.run_id.in_(run_ids[i:i + CHUNK]))) or 0
    return total


def purge(db: Database, logs: Path, before: datetime, tables: list[str], *,
          dry_run: bool) -> dict[str, int]:
    """Table -> rows purged (or that would be, with dry_run)."""
    out: dict[str, int] = {}
    if "dag_run" in tables:
        with db.read() as s:
            runs = old_runs(s, before)
            out["dag_run"] = len(runs)
            out["task_instance"] = _count(s, TaskInstance, runs)
            out["xcom"] = _count(s, XCom, runs)
        if not dry_run:
            _purge_runs(db, logs, runs)
    for name, model, column in (("log", EventLog, EventLog.dttm),
                                ("job", Job, Job.latest_heartbeat)):
        if name not in tables:
            continue
        where = [column < before]
        if model is Job:
            where.append(Job.state != "running")
        if dry_run:
            with db.read() as s:
                out[name] = s.scalar(select(func.count()).select_from(model).where(*where)) or 0
        else:
            with db.write() as s:
                out[name] = s.execute(delete(model).where(*where)).rowcount or 0
    return out
