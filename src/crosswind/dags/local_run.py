"""DAG.test(): run a whole DAG once, in-process, with an in-memory runtime backend.

Tasks run in dependency order; trigger rules, branching and short-circuit skips are
applied the way the scheduler does, retries happen immediately (no retry_delay).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crosswind.dags import setup_teardown_graph as graph
from crosswind.dags.runtime import MemoryBackend, get_backend, set_backend
from crosswind.dags.utils_dates import as_utc, utcnow


def _skip_all_downstream(dag: Any, task_id: str, states: dict[str, str]) -> None:
    for rel in dag._relatives(task_id, upstream=False):
        if not dag.task_dict[rel].is_teardown:  # short-circuit spares teardowns
            states.setdefault(rel, "skipped")


def run_dag_locally(
    dag: Any,
    conf: dict[str, Any] | None = None,
    logical_date: datetime | None = None,
    backend: MemoryBackend | None = None,
) -> dict[str, str]:
    """Run every task of dag once; returns task_id -> final state."""
    from crosswind.dags.context import RunInfo, TIInfo, build_context
    from crosswind.execution.task_execute import execute_task
    from crosswind.triggers.inline import run_to_end

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
    # Same rules as the scheduler: indirect setups, teardowns' all_done_setup_success.
    table = graph.task_table(dag.tasks)
    indirect = graph.indirect_setups(table)
    try:
        for task in dag.topological_sort():
            if task.task_id in states:
                continue
            decision = graph.task_verdict(
                table, task.task_id, states, indirect.get(task.task_id))
            if decision != "run":
                states[task.task_id] = decision or "upstream_failed"
                continue
            for try_number in range(1, task.retries + 2):
                ti = TIInfo(task.task_id, try_number=try_number, max_tries=task.retries)
                # Deferral and reschedule continue the same try here (triggers inline).
                outcome = run_to_end(lambda method, kwargs, ti=ti, task=task: execute_task(
                    task, build_context(dag=dag, task=task, run=run, ti=ti), method, kwargs))
                if outcome.state != "failed" or not outcome.retryable:
                    break
            states[task.task_id] = outcome.state
            _apply_skips(dag, task, outcome, states)
    finally:
        set_backend(previous)
    return states


def local_run_state(dag: Any, states: dict[str, str]) -> str:
    """The run state dag.test() ends with, from the run's leaves as the scheduler reads
    them (a failed teardown fails it only with on_failure_fail_dagrun)."""
    leaves = graph.run_leaves(graph.task_table(dag.tasks))
    failed = any(states.get(t) in ("failed", "upstream_failed") for t in leaves)
    return "failed" if failed else "success"


def _apply_skips(dag: Any, task: Any, outcome: Any, states: dict[str, str]) -> None:
    if outcome.skip_downstream:
        _skip_all_downstream(dag, task.task_id, states)
    elif outcome.follow_task_ids is not None:
        for child in task.downstream_task_ids - set(outcome.follow_task_ids):
            states.setdefault(child, "skipped")
