"""DAG.test(): run a whole DAG once, in-process, with an in-memory runtime backend.

Tasks run in dependency order; trigger rules, branching and short-circuit skips are
applied the way the scheduler does, retries happen immediately (no retry_delay). A mapped
task runs once per map index (none: skipped); its downstream tasks see every index's state.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from crosswind.dags import setup_teardown_graph as graph
from crosswind.dags.mapped_group import mapped_group_of
from crosswind.dags.runtime import MemoryBackend, get_backend, set_backend
from crosswind.dags.utils_dates import as_utc, utcnow

log = logging.getLogger("crosswind.task")


def _skip_all_downstream(dag: Any, task_id: str, states: dict[str, str]) -> None:
    for rel in dag._relatives(task_id, upstream=False):
        if not dag.task_dict[rel].is_teardown:  # short-circuit spares teardowns
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
    _console_logging()
    dag.validate()
    run = _run_info(dag, logical_date, conf)
    try:
        previous = get_backend()
    except Exception:  # noqa: BLE001 - no backend installed yet
        previous = None
    set_backend(backend or MemoryBackend())
    states: dict[str, str] = {}
    mapped: dict[str, list[str]] = map_states if map_states is not None else {}
    # Same rules as the scheduler: indirect setups, teardowns' all_done_setup_success.
    table = graph.task_table(dag.tasks)
    indirect = graph.indirect_setups(table)
    try:
        for task in dag.topological_sort():
            if task.task_id in states:
                continue
            group = mapped_group_of(task)
            inside = {u for u in task.upstream_task_ids
                      if group is not None and mapped_group_of(dag.task_dict[u]) is group}
            decision = graph.task_verdict(
                table, task.task_id, {k: v for k, v in states.items() if k not in inside},
                indirect.get(task.task_id),
                {k: v for k, v in mapped.items() if k not in inside})
            if decision != "run":
                states[task.task_id] = decision or "upstream_failed"
                continue
            if group is not None:
                mapped[task.task_id] = _run_group_member(
                    dag, task, group, run, inside, (table, indirect, states, mapped))
                states[task.task_id] = _summary(mapped[task.task_id])
                continue
            if task.is_mapped:
                mapped[task.task_id] = _run_mapped(dag, task, run)
                states[task.task_id] = _summary(mapped[task.task_id])
                continue
            outcome = _run_tries(dag, task, run)
            states[task.task_id] = outcome.state
            _apply_skips(dag, task, outcome, states)
        _dag_callbacks(dag, run, states)
    finally:
        set_backend(previous)
    return states


def local_run_state(dag: Any, states: dict[str, str]) -> str:
    """The run state dag.test() ends with, from the run's leaves as the scheduler reads
    them (a failed teardown fails it only with on_failure_fail_dagrun)."""
    leaves = graph.run_leaves(graph.task_table(dag.tasks))
    failed = any(states.get(t) in ("failed", "upstream_failed") for t in leaves)
    return "failed" if failed else "success"


def _dag_callbacks(dag: Any, run: Any, states: dict[str, str]) -> None:
    """The DAG's on_success_callback / on_failure_callback (one or a list), as Airflow's
    dag.test() calls them, by the run state (teardowns as the scheduler counts them)."""
    from crosswind.dags.context import DagRunRef
    from crosswind.execution.task_execute import run_callbacks

    failed = local_run_state(dag, states) == "failed"
    context = {"dag": dag, "dag_run": DagRunRef(run), "run_id": run.run_id,
               "reason": "task_failure" if failed else "success",
               "logical_date": run.logical_date, "params": dict(dag.params)}
    run_callbacks(dag.on_failure_callback if failed else dag.on_success_callback, context)


def _console_logging() -> None:
    """`python my_dag.py`: with no logging set up, task logs go to stdout, as Airflow's
    dag.test() prints them (a configured process, such as pytest, keeps its own)."""
    import sys

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                            format="[%(asctime)s] {%(module)s:%(lineno)d} %(levelname)s - "
                                   "%(message)s")


def _run_info(dag: Any, logical_date: datetime | None, conf: dict[str, Any] | None) -> Any:
    from crosswind.dags.context import RunInfo

    when = as_utc(logical_date) or utcnow()
    return RunInfo(
        dag_id=dag.dag_id,
        run_id=f"manual__{when.isoformat()}",
        logical_date=when,
        data_interval_start=when,
        data_interval_end=when,
        conf=dict(conf or {}),
        start_date=utcnow(),  # Airflow's dag.test() run has one
    )


def _run_tries(dag: Any, task: Any, run: Any, retries: bool = True,
               map_index: int = -1) -> Any:
    """Every try of one task (retries at once); logs the failing try's traceback."""
    from crosswind.dags.context import TIInfo, build_context
    from crosswind.execution.task_execute import execute_task
    from crosswind.triggers.inline import run_to_end

    for try_number in range(1, (task.retries if retries else 0) + 2):
        ti = TIInfo(task.task_id, try_number=try_number, max_tries=task.retries,
                    map_index=map_index)
        log.info("Running task %s (try %d) of %s", task.task_id, try_number, dag.dag_id)
        # Deferral and reschedule continue the same try here (triggers inline).
        outcome = run_to_end(lambda method, kwargs, ti=ti, task=task: execute_task(
            task, build_context(dag=dag, task=task, run=run, ti=ti), method, kwargs))
        if outcome.state == "failed" and outcome.error:
            log.error("Task %s failed with exception:\n%s", task.task_id,
                      outcome.error.rstrip())
        log.info("Task %s ended %s", task.task_id, outcome.state)
        if outcome.state != "failed" or not outcome.retryable:
            break
    return outcome


def run_task_locally(dag: Any, task_id: str, logical_date: datetime | None = None,
                     conf: dict[str, Any] | None = None,
                     backend: MemoryBackend | None = None) -> str:
    """`tasks test`: one try of one task, dependencies ignored, nothing recorded; its state."""
    task = dag.get_task(task_id)
    run = _run_info(dag, logical_date, conf)
    try:
        previous = get_backend()
    except Exception:  # noqa: BLE001 - no backend installed yet
        previous = None
    set_backend(backend or MemoryBackend())
    try:
        return str(_run_tries(dag, task, run, retries=False).state)
    finally:
        set_backend(previous)


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
    return [_run_tries(dag, task, run, map_index=i).state for i in range(length)]


def _run_group_member(dag: Any, task: Any, group: Any, run: Any, inside: set[str],
                      view: tuple[Any, Any, dict[str, str], dict[str, list[str]]]
                      ) -> list[str]:
    """Every map index of a task of a mapped task group; index i follows index i of its
    upstreams in the group (the scheduler's rule, scheduling/mapped_groups.py)."""
    from crosswind.dags.context import TIInfo, build_context
    from crosswind.dags.mapping import expand_length

    table, indirect, states, mapped = view
    context = build_context(dag=dag, task=task, run=run, ti=TIInfo(task.task_id))
    try:
        length = expand_length(group, context)
    except Exception:  # noqa: BLE001 - upstream value unusable: the task cannot run
        return ["upstream_failed"]
    if length == 0:
        return ["skipped"]
    out: list[str] = []
    for i in range(length):
        here = {u: mapped[u][i] if len(mapped.get(u, ())) > i else states.get(u, "skipped")
                for u in inside}
        verdict = graph.task_verdict(
            table, task.task_id, {**states, **here}, indirect.get(task.task_id),
            {k: v for k, v in mapped.items() if k not in inside})
        if verdict == "run":
            out.append(_run_tries(dag, task, run, map_index=i).state)
        else:
            out.append(verdict or "upstream_failed")
    return out


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
