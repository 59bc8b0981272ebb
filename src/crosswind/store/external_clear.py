"""Recursive clears across DAGs through ExternalTaskMarker (Airflow's include_dependent_dags,
asked for with `include_subdags` on clearTaskInstances, as Airflow's REST API does).

For each ExternalTaskMarker among the task instances being cleared, the marked task of the
other DAG, in its run at the marker's (rendered) execution_date, is cleared together with
its downstream tasks; markers found there are followed in turn. The first marker's
recursion_depth caps the levels (10 by default); going deeper is an error, as in Airflow,
so a cycle of markers cannot loop.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.errors import InvalidInput
from crosswind.models import DagRun, TaskInstance
from crosswind.store import dag_runs
from crosswind.store import task_instances as ti_store

MARKER = "ExternalTaskMarker"
Pairs = list[tuple[TaskInstance, DagRun]]


def _marker_date(ti: TaskInstance, run: DagRun, task: dict[str, Any]) -> datetime:
    """The marker's execution_date: as rendered when it ran, else rendered now."""
    rendered = (ti.rendered_fields or {}).get("execution_date")
    text = rendered if isinstance(rendered, str) and "{{" not in rendered else None
    if text is None:
        logical = run.logical_date
        text = SandboxedEnvironment().from_string(str(task.get("execution_date") or "")).render(
            logical_date=logical, execution_date=logical, ds=logical.strftime("%Y-%m-%d"),
            ts=logical.isoformat(), data_interval_start=run.data_interval_start,
            data_interval_end=run.data_interval_end, run_id=run.run_id)
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _marked_tis(session: Session, task: dict[str, Any], when: datetime) -> Pairs:
    stmt = (
        select(TaskInstance, DagRun)
        .join(DagRun, (DagRun.dag_id == TaskInstance.dag_id)
              & (DagRun.run_id == TaskInstance.run_id))
        .where(TaskInstance.dag_id == task.get("external_dag_id"),
               TaskInstance.task_id == task.get("external_task_id"),
               DagRun.logical_date == when)
    )
    return [(ti, run) for ti, run in session.execute(stmt).all()]


def with_dependent_dags(
    session: Session, pairs: Pairs, *, only_failed: bool = False, only_running: bool = False
) -> dict[str, Pairs]:
    """dag_id -> task instances to clear: `pairs` plus everything their markers reach."""
    out: dict[str, Pairs] = {}
    seen: set[tuple[str, str, str, int]] = set()
    todo: list[tuple[Pairs, int]] = [(pairs, 0)]
    max_depth: int | None = None
    dags: dict[str, dict[str, Any]] = {}
    while todo:
        batch, depth = todo.pop()
        for ti, run in batch:
            key = (ti.dag_id, ti.run_id, ti.task_id, ti.map_index)
            if key in seen:
                continue
            seen.add(key)
            out.setdefault(ti.dag_id, []).append((ti, run))
            if ti.operator != MARKER:
                continue
            dag = dags.setdefault(ti.dag_id, dag_runs.serialized(session, ti.dag_id))
            task = next((t for t in dag["tasks"] if t["task_id"] == ti.task_id), None)
            if task is None:
                continue
            if max_depth is None:
                max_depth = int(task.get("recursion_depth") or 10)
            if depth + 1 > max_depth:
                raise InvalidInput(
                    f"Maximum recursion depth {max_depth} reached for {MARKER} {ti.task_id}. "
                    "Attempted to clear too many tasks or there may be a cyclic dependency."
                )
            for ext_ti, ext_run in _marked_tis(session, task, _marker_date(ti, run, task)):
                todo.append((_downstream(session, dags, ext_ti, ext_run, only_failed,
                                         only_running), depth + 1))
    return out


def _downstream(session: Session, dags: dict[str, dict[str, Any]], ti: TaskInstance,
                run: DagRun, only_failed: bool, only_running: bool) -> Pairs:
    dag = dags.setdefault(ti.dag_id, dag_runs.serialized(session, ti.dag_id))
    ids = ti_store.clear_relatives(dag, [ti.task_id], upstream=False, downstream=True)
    spec = ti_store.ClearSpec(task_ids=ids, run_ids={run.run_id}, only_failed=only_failed,
                              only_running=only_running)
    return ti_store.find(session, ti.dag_id, spec)
