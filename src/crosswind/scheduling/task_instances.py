"""Task-instance decisions inside running DAG runs, and the run state that follows.

`decide()` is pure: given the run's TI states, it returns the state changes this tick
makes (none → scheduled | skipped | upstream_failed | removed, up_for_retry → scheduled
when due), walking tasks in topological order so a chain of skips resolves in one tick.
`run_outcome()` derives a finished run's state from its leaves (Airflow 2 rules).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from crosswind.dags.setup_teardown_graph import task_verdict
from crosswind.scheduling.dag_cache import DagInfo
from crosswind.states import TI_FINISHED

# States that wait for next_retry_at (the retry time, or a reschedule sensor's next poke).
WAITING = frozenset({"up_for_retry", "up_for_reschedule"})


@dataclass
class TIRow:
    id: int
    task_id: str
    state: str | None
    try_number: int
    next_retry_at: datetime | None = None
    map_index: int = -1


def decide(
    info: DagInfo,
    tis: dict[str, TIRow],
    now: datetime,
    past_ok: Callable[[str], bool] = lambda _task_id: True,
    expanded: Mapping[str, list[str | None]] | None = None,
) -> dict[str, str]:
    """task_id -> new state for every TI whose state this tick changes. `expanded` gives
    the states of every map index of mapped tasks already expanded (they have no
    map_index -1 TI left); their downstream tasks decide on all of them."""
    expanded = expanded or {}
    states: dict[str, str | None] = {tid: ti.state for tid, ti in tis.items()}
    changes: dict[str, str] = {}
    for tid, ti in tis.items():
        if tid not in info.tasks and ti.state is None:
            changes[tid] = states[tid] = "removed"
        elif ti.state in WAITING and (ti.next_retry_at is None or ti.next_retry_at <= now):
            changes[tid] = states[tid] = "scheduled"
    for tid in info.order:
        if tid not in tis or states[tid] is not None:
            continue
        verdict = task_verdict(info.tasks, tid, states, info.indirect_setups.get(tid),
                               expanded)
        if verdict is None:
            continue
        if verdict == "run":
            if info.tasks[tid].get("depends_on_past") and not past_ok(tid):
                continue
            verdict = "scheduled"
        changes[tid] = states[tid] = verdict
    return changes


def run_outcome(info: DagInfo, states: dict[str, str | None]) -> str | None:
    """`success`/`failed` when every TI is finished, else None (still running). The
    leaves leave teardowns out unless they have on_failure_fail_dagrun (DagInfo.leaves)."""
    if any(s not in TI_FINISHED for s in states.values()):
        return None
    leaves = [states[t] for t in info.leaves if t in states] or list(states.values())
    if any(s in ("failed", "upstream_failed") for s in leaves):
        return "failed"
    return "success"


# States in which a TI still moves on its own (waiting for a slot, a retry, a poke, a trigger).
_LIVE = frozenset({"scheduled", "queued", "running", "up_for_retry", "up_for_reschedule",
                   "deferred", "restarting"})


def deadlocked(info: DagInfo, states: dict[str, str | None], changed: bool) -> bool:
    """Airflow's "Task deadlock (no runnable tasks)": unfinished TIs remain, none can move and
    nothing moved this tick. As in Airflow 2, a run with an unfinished task that depends on
    the past or has an active-TI limit is not called deadlocked: it may be unblocked from
    outside (the previous run fixed, another run finishing), so it keeps waiting."""
    if changed:
        return False
    unfinished = [tid for tid, s in states.items() if s not in TI_FINISHED]
    if not unfinished or any(states[tid] in _LIVE for tid in unfinished):
        return False
    for tid in unfinished:
        task = info.tasks.get(tid) or {}
        if (task.get("depends_on_past") or task.get("max_active_tis_per_dag") is not None
                or task.get("max_active_tis_per_dagrun") is not None):
            return False
    return True


def next_retry_deadline(tis: dict[str, TIRow]) -> datetime | None:
    due = [
        ti.next_retry_at
        for ti in tis.values()
        if ti.state in WAITING and ti.next_retry_at is not None
    ]
    return min(due) if due else None
