"""Setup/teardown rules over a DAG's task table (Airflow 2.7+), as pure functions.

`tasks` maps task_id to the serialized task (upstream_task_ids, downstream_task_ids,
is_setup, is_teardown, on_failure_fail_dagrun); dag.test() builds the same table from
operators with `task_table()`. The scheduler, the clear endpoints and dag.test() all
decide with these functions, so they agree:

- a work task waits for its *relevant* setups, direct or not: the upstream setups whose
  teardown is downstream of it (or that have no teardown). One failed → upstream_failed,
  one skipped → skipped (`setup_verdict`);
- the run's state is read from its *effective* leaves: a teardown is ignored unless it has
  `on_failure_fail_dagrun=True`, so its upstream work tasks count instead (`run_leaves`);
- clearing a task also clears its relevant setups and their teardowns (`clear_selection`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from crosswind.dags.trigger_rule import evaluate_trigger_rule

Tasks = Mapping[str, Mapping[str, Any]]
_UP, _DOWN = "upstream_task_ids", "downstream_task_ids"


def task_table(operators: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """The graph part of the serialized tasks, built from authoring operators."""
    return {
        t.task_id: {
            _UP: sorted(t.upstream_task_ids),
            _DOWN: sorted(t.downstream_task_ids),
            "is_setup": bool(getattr(t, "is_setup", False)),
            "is_teardown": bool(getattr(t, "is_teardown", False)),
            "on_failure_fail_dagrun": bool(getattr(t, "on_failure_fail_dagrun", False)),
            "trigger_rule": str(t.trigger_rule),
        }
        for t in operators
    }


def is_setup(tasks: Tasks, task_id: str) -> bool:
    return bool(tasks[task_id].get("is_setup"))


def is_teardown(tasks: Tasks, task_id: str) -> bool:
    return bool(tasks[task_id].get("is_teardown"))


def _edges(tasks: Tasks, task_id: str, edge: str) -> list[str]:
    return [t for t in tasks[task_id].get(edge) or () if t in tasks]


def flat_relatives(tasks: Tasks, task_id: str, *, upstream: bool) -> set[str]:
    """Every task reachable from task_id in one direction (task_id itself excluded)."""
    edge = _UP if upstream else _DOWN
    seen: set[str] = set()
    todo = [task_id]
    while todo:
        for nxt in _edges(tasks, todo.pop(), edge):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _teardowns_of(tasks: Tasks, setup_id: str) -> list[str]:
    return [d for d in _edges(tasks, setup_id, _DOWN) if is_teardown(tasks, d)]


def setup_scopes(tasks: Tasks) -> dict[str, set[str]]:
    """setup id -> the tasks it scopes: those downstream of it that are upstream of one of
    its teardowns (all its downstream when it has none). One walk per setup and teardown,
    so a long chain costs O(setups x tasks), not O(tasks squared)."""
    scopes: dict[str, set[str]] = {}
    for sid in tasks:
        if not is_setup(tasks, sid):
            continue
        below = flat_relatives(tasks, sid, upstream=False)
        teardowns = _teardowns_of(tasks, sid)
        if teardowns:
            above: set[str] = set()
            for tid in teardowns:
                above |= flat_relatives(tasks, tid, upstream=True)
            below &= above
        scopes[sid] = below
    return scopes


def relevant_setups_and_teardowns(
    tasks: Tasks, task_id: str, scopes: dict[str, set[str]] | None = None
) -> Iterator[str]:
    """The upstream setups that scope task_id, each followed by its teardowns: setups with
    a teardown downstream of task_id, or with no teardown at all."""
    scopes = setup_scopes(tasks) if scopes is None else scopes
    for sid in sorted(scopes):
        if task_id in scopes[sid]:
            yield sid
            yield from (t for t in _teardowns_of(tasks, sid) if t != task_id)


def indirect_setups(tasks: Tasks) -> dict[str, frozenset[str]]:
    """task_id -> its relevant setups that are not direct upstreams (only non-empty ones;
    a teardown has none). Direct setups are already weighed by the task's trigger rule."""
    found: dict[str, set[str]] = {}
    for sid, scoped in setup_scopes(tasks).items():
        for tid in scoped:
            if not is_teardown(tasks, tid) and sid not in _edges(tasks, tid, _UP):
                found.setdefault(tid, set()).add(sid)
    return {tid: frozenset(sids) for tid, sids in found.items()}


def setup_verdict(setup_ids: Iterable[str], states: Mapping[str, str | None]) -> str | None:
    """What a task's indirect setups decide: "upstream_failed" (one failed), "skipped" (one
    skipped), "wait" (not all succeeded yet) or None (all succeeded; the trigger rule
    decides)."""
    seen = [states.get(s) for s in setup_ids]
    if any(s in ("failed", "upstream_failed") for s in seen):
        return "upstream_failed"
    if "skipped" in seen:
        return "skipped"
    if any(s != "success" for s in seen):
        return "wait"
    return None


def task_verdict(tasks: Tasks, task_id: str, states: Mapping[str, str | None],
                 indirect: Iterable[str] | None = None,
                 expanded: Mapping[str, list[str | None]] | None = None) -> str | None:
    """A waiting task's verdict ("run", "skipped", "upstream_failed" or None to wait):
    its indirect setups first (one failed or skipped decides, not all succeeded waits),
    then its trigger rule over its direct upstreams (tasks not in `states` are ignored).
    `expanded` holds the states of every map index of expanded mapped tasks: their
    downstream tasks decide on all of them."""
    expanded = expanded or {}
    indirect = [s for s in indirect or () if s in states]
    if indirect:
        setups = setup_verdict(indirect, states)
        if setups is not None:
            return None if setups == "wait" else setups
    upstream = [u for u in _edges(tasks, task_id, _UP) if u in states or u in expanded]

    def of(u: str) -> list[str]:
        return [s or "none" for s in (expanded[u] if u in expanded else [states[u]])]

    return evaluate_trigger_rule(
        tasks[task_id].get("trigger_rule") or "all_success",
        [s for u in upstream for s in of(u)],
        [s for u in upstream if is_setup(tasks, u) for s in of(u)],
    )


def run_leaves(tasks: Tasks) -> frozenset[str]:
    """The tasks whose states decide the run's state. A teardown does not count (nor makes
    its upstream a non-leaf) unless it has on_failure_fail_dagrun."""

    def counts(tid: str) -> bool:
        return not is_teardown(tasks, tid) or bool(tasks[tid].get("on_failure_fail_dagrun"))

    leaves = frozenset(
        tid for tid in tasks
        if counts(tid) and not any(counts(d) for d in _edges(tasks, tid, _DOWN))
    )
    if leaves:
        return leaves
    # A DAG of teardowns only: the plain leaves.
    return frozenset(tid for tid in tasks if not _edges(tasks, tid, _DOWN))


def _follow_setups(tasks: Tasks, task_id: str) -> set[str]:
    """All upstreams plus the teardowns of upstream setups (include_upstream clears)."""
    out: set[str] = set()
    for up in flat_relatives(tasks, task_id, upstream=True):
        out.add(up)
        if is_setup(tasks, up):
            out.update(t for t in _teardowns_of(tasks, up) if t != task_id)
    return out


def _plain(tasks: Tasks, task_id: str) -> bool:
    return not is_setup(tasks, task_id) and not is_teardown(tasks, task_id)


def clear_selection(
    tasks: Tasks, task_ids: Iterable[str], *, upstream: bool, downstream: bool
) -> set[str]:
    """The tasks a clear of task_ids touches, as Airflow's DAG.partial_subset: the matched
    tasks, their upstream/downstream when asked, and for every plain task among them its
    relevant setups and their teardowns; a setup brings its teardowns."""
    matched = set(task_ids)
    out = set(matched)
    scopes = setup_scopes(tasks)
    for tid in matched:
        if downstream:
            for rel in flat_relatives(tasks, tid, upstream=False):
                out.add(rel)
                if rel not in matched and _plain(tasks, rel):
                    out.update(relevant_setups_and_teardowns(tasks, rel, scopes))
        if upstream:
            out.update(_follow_setups(tasks, tid))
        elif _plain(tasks, tid):
            out.update(relevant_setups_and_teardowns(tasks, tid, scopes))
        if is_setup(tasks, tid) and not downstream:
            out.update(_teardowns_of(tasks, tid))
    return out
