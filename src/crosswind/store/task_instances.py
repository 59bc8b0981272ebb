"""Task-instance changes made through the API: clear, run now, set state, notes.

The state conventions (shared with the scheduler, see the team brief):

    clear     state None (`restarting` if queued/running: the executor kills that try and
              the scheduler then sets None), end_date None, max_tries = try_number + retries;
              the run returns to `running` (or stays as it was when reset_dag_runs is false).
    run now   409 while queued/running/restarting; else `scheduled` (the scheduler queues it
              without re-checking upstream), max_tries as for clear; the run → `running`.
    set state success/failed/skipped on the task (and relatives); downstream task instances
              that failed or were upstream_failed are cleared so they can resume (Airflow's
              `DAG.set_task_instance_state`); a finished run that changed goes back to
              `running` so the scheduler derives its state again.

Callers commit, record the event and then call `notify_scheduler()`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from crosswind.dags.setup_teardown_graph import clear_selection
from crosswind.db.base import utcnow
from crosswind.errors import Conflict, InvalidInput, NotFound
from crosswind.models import DagRun, TaskInstance
from crosswind.states import RUN_FINISHED, TI_BUSY, RunState, TaskState
from crosswind.store import transitions
from crosswind.store.dag_runs import reopen

SETTABLE = (TaskState.SUCCESS, TaskState.FAILED, TaskState.SKIPPED)


def get_ti(
    session: Session, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> TaskInstance:
    ti = session.scalars(
        select(TaskInstance).where(
            TaskInstance.dag_id == dag_id,
            TaskInstance.run_id == run_id,
            TaskInstance.task_id == task_id,
            TaskInstance.map_index == map_index,
        )
    ).first()
    if ti is None:
        raise NotFound(f"Task instance {task_id!r} of DAG {dag_id!r} run {run_id!r} not found")
    return ti


def relatives(
    dag: dict[str, Any], task_ids: Iterable[str], *, upstream: bool, downstream: bool
) -> set[str]:
    """`task_ids` plus (transitively) their upstream and/or downstream tasks."""
    tasks = {t["task_id"]: t for t in dag["tasks"]}
    wanted = set(task_ids)
    unknown = wanted - tasks.keys()
    if unknown:
        raise NotFound(f"Task(s) {', '.join(sorted(unknown))} not found in DAG {dag['dag_id']!r}")
    out = set(wanted)
    for flag, edge in ((upstream, "upstream_task_ids"), (downstream, "downstream_task_ids")):
        if not flag:
            continue
        todo = list(wanted)
        seen: set[str] = set()
        while todo:
            for nxt in tasks[todo.pop()].get(edge) or ():
                if nxt not in seen and nxt in tasks:
                    seen.add(nxt)
                    todo.append(nxt)
        out |= seen
    return out


def clear_relatives(
    dag: dict[str, Any], task_ids: Iterable[str], *, upstream: bool, downstream: bool
) -> set[str]:
    """The tasks a clear of task_ids touches: as relatives(), plus the relevant setups
    and teardowns of each plain task (setup_teardown_graph.clear_selection, Airflow's
    partial_subset)."""
    relatives(dag, task_ids, upstream=False, downstream=False)  # 404 for unknown ids
    tasks = {t["task_id"]: t for t in dag["tasks"]}
    return clear_selection(tasks, task_ids, upstream=upstream, downstream=downstream)


@dataclass(frozen=True)
class ClearSpec:
    """Which task instances a clear touches (Airflow's ClearTaskInstances, simplified)."""

    task_ids: set[str] | None = None  # None = every task of the DAG
    run_ids: set[str] | None = None  # None = every run in the date range
    start_date: datetime | None = None  # on the run's logical date
    end_date: datetime | None = None
    only_failed: bool = False
    only_running: bool = False
    reset_dag_runs: bool = True


def select_tis(dag_id: str, spec: ClearSpec) -> Select[Any]:
    stmt = (
        select(TaskInstance, DagRun)
        .join(
            DagRun, (DagRun.dag_id == TaskInstance.dag_id) & (DagRun.run_id == TaskInstance.run_id)
        )
        .where(TaskInstance.dag_id == dag_id)
        .order_by(DagRun.logical_date, TaskInstance.id)
    )
    if spec.task_ids is not None:
        stmt = stmt.where(TaskInstance.task_id.in_(sorted(spec.task_ids)))
    if spec.run_ids is not None:
        stmt = stmt.where(TaskInstance.run_id.in_(sorted(spec.run_ids)))
    if spec.start_date is not None:
        stmt = stmt.where(DagRun.logical_date >= spec.start_date)
    if spec.end_date is not None:
        stmt = stmt.where(DagRun.logical_date <= spec.end_date)
    if spec.only_failed:
        stmt = stmt.where(TaskInstance.state.in_((TaskState.FAILED, TaskState.UPSTREAM_FAILED)))
    if spec.only_running:
        stmt = stmt.where(TaskInstance.state == TaskState.RUNNING)
    return stmt


def find(session: Session, dag_id: str, spec: ClearSpec) -> list[tuple[TaskInstance, DagRun]]:
    return [(ti, run) for ti, run in session.execute(select_tis(dag_id, spec)).all()]


def _retries(dag: dict[str, Any]) -> dict[str, int]:
    return {t["task_id"]: int(t.get("retries") or 0) for t in dag["tasks"]}


def clear(
    session: Session,
    dag: dict[str, Any],
    pairs: list[tuple[TaskInstance, DagRun]],
    *,
    run_state: str | None = RunState.RUNNING,
) -> None:
    """Reset `pairs` so the scheduler runs them again; reopen their runs (unless None)."""
    retries = _retries(dag)
    runs: dict[int, DagRun] = {}
    tis = {ti.id: ti for ti, _ in pairs}.values()
    for ti, run in pairs:
        ti.max_tries = ti.try_number + retries.get(ti.task_id, 0)
        runs[run.id] = run
    reset = {"end_date": None, "next_retry_at": None, **_NO_DEFERRAL}
    transitions.move_loaded_tis(session, [t for t in tis if t.state in TI_BUSY],
                                TaskState.RESTARTING, **reset)
    transitions.move_loaded_tis(session, [t for t in tis if t.state not in TI_BUSY], None,
                                **reset)
    for run in runs.values():
        run.clear_number += 1
        if run_state is not None:
            reopen(run, run_state)


# A cleared or set TI starts afresh, not in a deferred try's next_method (its trigger,
# now unused, is removed by the triggerer).
_NO_DEFERRAL = {"next_method": None, "next_kwargs": None, "trigger_id": None,
                "trigger_timeout": None}


def run_now(session: Session, dag: dict[str, Any], ti: TaskInstance, run: DagRun) -> None:
    """Schedule `ti` now, ignoring its upstream; 409 while it is busy."""
    if ti.state in TI_BUSY:
        raise Conflict(f"Task instance {ti.task_id!r} is {ti.state}; wait for it to finish")
    ti.max_tries = ti.try_number + _retries(dag).get(ti.task_id, 0)
    transitions.move_loaded_tis(session, [ti], TaskState.SCHEDULED, end_date=None,
                                next_retry_at=None, **_NO_DEFERRAL)
    if run.state != RunState.RUNNING:
        reopen(run, RunState.RUNNING)


@dataclass(frozen=True)
class StateChange:
    """Airflow's UpdateTaskInstancesState, for one task of one run."""

    task_id: str
    run: DagRun
    new_state: str
    upstream: bool = False
    downstream: bool = False
    future: bool = False
    past: bool = False
    map_index: int | None = None  # one map index of a mapped task only


def affected(
    session: Session, dag: dict[str, Any], change: StateChange
) -> list[tuple[TaskInstance, DagRun]]:
    """The task instances a state change would touch (those not already in new_state)."""
    if change.new_state not in SETTABLE:
        raise InvalidInput(f"new_state must be one of {', '.join(SETTABLE)}")
    task_ids = relatives(
        dag, [change.task_id], upstream=change.upstream, downstream=change.downstream
    )
    spec = ClearSpec(
        task_ids=task_ids,
        run_ids=None if change.future or change.past else {change.run.run_id},
        start_date=None if change.past else change.run.logical_date,
        end_date=None if change.future else change.run.logical_date,
    )
    return [
        (ti, run) for ti, run in find(session, dag["dag_id"], spec)
        if ti.state != change.new_state and (
            change.map_index is None or ti.task_id != change.task_id
            or ti.map_index == change.map_index)
    ]


def set_state(
    session: Session, dag: dict[str, Any], change: StateChange
) -> list[tuple[TaskInstance, DagRun]]:
    """Apply `change`; returns the task instances it set."""
    pairs = affected(session, dag, change)
    now = utcnow()
    for ti, _ in pairs:
        ti.start_date = ti.start_date or now
        ti.duration = (now - ti.start_date).total_seconds()
    transitions.move_loaded_tis(session, [ti for ti, _ in pairs], change.new_state,
                                end_date=now, **_NO_DEFERRAL)
    session.flush()
    changed_keys = {(ti.run_id, ti.task_id) for ti, _ in pairs}
    _resume_downstream(session, dag, change, changed_keys)
    for run in {run.id: run for _, run in pairs}.values():
        if run.state in RUN_FINISHED:
            reopen(run, RunState.RUNNING)
    return pairs


def _resume_downstream(
    session: Session, dag: dict[str, Any], change: StateChange, exclude: set[tuple[str, str]]
) -> None:
    down = relatives(dag, [change.task_id], upstream=False, downstream=True)
    spec = ClearSpec(task_ids=down, run_ids={change.run.run_id}, only_failed=True)
    pairs = [
        (ti, r)
        for ti, r in find(session, dag["dag_id"], spec)
        if (ti.run_id, ti.task_id) not in exclude
    ]
    if pairs:
        clear(session, dag, pairs)
