"""DAG.test(): run a whole DAG once, in-process, with an in-memory runtime backend.

Tasks run in dependency order; trigger rules, branching and short-circuit skips are
applied the way the scheduler does, retries happen immediately (no retry_delay). A mapped
task runs once per map index (none: skipped); its downstream tasks see every index's state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crosswind.dags.runtime import MemoryBackend, get_backend, set_backend
from crosswind.dags.trigger_rule import evaluate_trigger_rule
from crosswind.dags.utils_dates import as_utc, utcnow


def _skip_all_downstream(dag: Any, task_id: str, states: dict[str, str]) -> None:
    for rel in dag._relatives(task_id, upstream=False):
        states.setdefault(rel, "skipped")


def run_dag_locally(
    dag: Any,
    conf: dict[str, Any] | None = None,
    logical_date: datetime | None = None,
    backend: MemoryBackend | None = None,
    map_states: dict[str, list[str]] | None = None,
) -> dict[str, str]:
    """Run every task of dag once; returns task_id -> final state (for a mapped task: the
    worst of its indexes'; map_states, when given, gets each mapped task's index states)."""
    from crosswind.dags.context import RunInfo

    dag.validate()
    when = as_utc(logical_date) or utcnow()
    run = RunInfo(
        dag_id=dag.dag_id,
        run_id=f"manual__{when.isoformat()}",
        logical_date=when,
        data_interval_start=when,
        data_interval_end=when,
        conf=dict(conf or {}),
        start_date=utcnow(),  # Airflow's dag.test() run has one
    )
    try:
        previous = get_backend()
    except Exception:  # noqa: BLE001 - no backend installed yet
        previous = None
    set_backend(backend or MemoryBackend())
    states: dict[str, str] = {}
    mapped: dict[str, list[str]] = map_states if map_states is not None else {}
    try:
        for task in dag.topological_sort():
            if task.task_id in states:
                continue
            upstream = [s for u in task.upstream_task_ids for s in mapped.get(u, [states[u]])]
            decision = evaluate_trigger_rule(task.trigger_rule, upstream)
            if decision != "run":
                states[task.task_id] = decision or "upstream_failed"
                continue
            if task.is_mapped:
                mapped[task.task_id] = _run_mapped(dag, task, run)
                states[task.task_id] = _summary(mapped[task.task_id])
                continue
            outcome = _run_one(dag, task, run, -1)
            states[task.task_id] = outcome.state
            _apply_skips(dag, task, outcome, states)
    finally:
        set_backend(previous)
    return states


def _run_one(dag: Any, task: Any, run: Any, map_index: int) -> Any:
    from crosswind.dags.context import TIInfo, build_context
    from crosswind.execution.task_execute import execute_task
    from crosswind.triggers.inline import run_to_end

    for try_number in range(1, task.retries + 2):
        ti = TIInfo(task.task_id, try_number=try_number, max_tries=task.retries,
                    map_index=map_index)
        # Deferral and reschedule continue the same try here (triggers inline).
        outcome = run_to_end(lambda method, kwargs, ti=ti, task=task: execute_task(
            task, build_context(dag=dag, task=task, run=run, ti=ti), method, kwargs))
        if outcome.state != "failed" or not outcome.retryable:
            break
    return outcome


def _run_mapped(dag: Any, task: Any, run: Any) -> list[str]:
    """Every map index of task, in order; no index at all is one "skipped"."""
    from crosswind.dags.context import TIInfo, build_context
    from crosswind.dags.mapping import expand_length

    context = build_context(dag=dag, task=task, run=run, ti=TIInfo(task.task_id))
    try:
        length = expand_length(task, context)
    except Exception:  # noqa: BLE001 - upstream value unusable: the task cannot run
        return ["upstream_failed"]
    if length == 0:
        return ["skipped"]
    return [_run_one(dag, task, run, i).state for i in range(length)]


def _summary(states: list[str]) -> str:
    for worst in ("failed", "upstream_failed", "success", "skipped"):
        if worst in states:
            return worst
    return states[0]


def _apply_skips(dag: Any, task: Any, outcome: Any, states: dict[str, str]) -> None:
    if outcome.skip_downstream:
        _skip_all_downstream(dag, task.task_id, states)
    elif outcome.follow_task_ids is not None:
        for child in task.downstream_task_ids - set(outcome.follow_task_ids):
            states.setdefault(child, "skipped")
