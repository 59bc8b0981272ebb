"""States of DAG runs and task instances, as Airflow 2 names them on the wire, and the
table of moves between them that every state write is checked against
(`crosswind.store.transitions` runs the guarded UPDATEs).

    TaskInstance:  none → scheduled → queued → running → success | failed | up_for_retry
                   up_for_retry | up_for_reschedule → scheduled (when next_retry_at passed)
                   running → deferred → scheduled (the trigger fired) | success | failed
                   none/scheduled → upstream_failed | skipped | removed (the scheduler)
                   queued → scheduled (never started: an orphan, a dead fork server)
                   running → scheduled (shutdown: the try is given back, no retry used)
                   queued/running/restarting → restarting (cleared while busy) → none
                   any → none (clear), any → success | failed | skipped (mark, set state)
    DagRun:        queued → running → success | failed; any → queued | running (clear)
                   and any → success | failed (mark)

`None` stands for "no state yet" (NULL in the table, "none" in API filters).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable


class TaskState(enum.StrEnum):
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    UPSTREAM_FAILED = "upstream_failed"
    SKIPPED = "skipped"
    REMOVED = "removed"
    RESTARTING = "restarting"
    DEFERRED = "deferred"


class RunState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


TS, RS = TaskState, RunState

# Task instance states as strings; `None` (no state yet) is spelled "none" in API filters.
TI_FINISHED = frozenset({TS.SUCCESS, TS.FAILED, TS.SKIPPED, TS.UPSTREAM_FAILED, TS.REMOVED})
TI_UNFINISHED = frozenset({None, TS.SCHEDULED, TS.QUEUED, TS.RUNNING, TS.UP_FOR_RETRY,
                           TS.UP_FOR_RESCHEDULE, TS.RESTARTING, TS.DEFERRED})
TI_ACTIVE = frozenset({TS.QUEUED, TS.RUNNING})  # holding a pool slot / an executor slot
TI_BUSY = TI_ACTIVE | {TS.RESTARTING}  # a process may still run this TI's try
TI_SUSPENDED = frozenset({TS.DEFERRED, TS.UP_FOR_RESCHEDULE})  # the try goes on later
TI_ALL = frozenset(s.value for s in TaskState) | {"none"}
RUN_FINISHED = frozenset({RS.SUCCESS, RS.FAILED})
RUN_ALL = frozenset(s.value for s in RunState)

# Anything an operator may force through the API (mark success/failed, set state) or a
# dagrun_timeout (skipped), and a clear (none) from any state that is not busy.
_FORCED = frozenset({TS.SUCCESS, TS.FAILED, TS.SKIPPED})
_CLEARABLE = frozenset({None}) | _FORCED

# from-state → the states a write may move it to (a write to the same state is always
# allowed: it changes other columns, such as a clear's max_tries).
TI_MOVES: dict[TaskState | None, frozenset[TaskState | None]] = {
    None: frozenset({TS.SCHEDULED, TS.UPSTREAM_FAILED, TS.REMOVED}) | _FORCED,
    TS.SCHEDULED: frozenset({TS.QUEUED, TS.UPSTREAM_FAILED, TS.REMOVED}) | _CLEARABLE,
    TS.QUEUED: frozenset({TS.RUNNING, TS.SCHEDULED, TS.RESTARTING, TS.UP_FOR_RETRY}) | _FORCED,
    TS.RUNNING: frozenset({TS.UP_FOR_RETRY, TS.DEFERRED, TS.UP_FOR_RESCHEDULE,
                           TS.RESTARTING, TS.SCHEDULED}) | _FORCED,
    TS.RESTARTING: frozenset({None}) | _FORCED,
    TS.UP_FOR_RETRY: frozenset({TS.SCHEDULED}) | _CLEARABLE,
    TS.UP_FOR_RESCHEDULE: frozenset({TS.SCHEDULED}) | _CLEARABLE,
    TS.DEFERRED: frozenset({TS.SCHEDULED}) | _CLEARABLE,
    TS.SUCCESS: frozenset({TS.SCHEDULED}) | _CLEARABLE,
    TS.FAILED: frozenset({TS.SCHEDULED}) | _CLEARABLE,
    TS.SKIPPED: frozenset({TS.SCHEDULED}) | _CLEARABLE,
    TS.UPSTREAM_FAILED: frozenset({TS.SCHEDULED}) | _CLEARABLE,
    TS.REMOVED: frozenset({TS.SCHEDULED}) | _CLEARABLE,
}

RUN_MOVES: dict[RunState, frozenset[RunState]] = {
    RS.QUEUED: frozenset({RS.RUNNING, RS.SUCCESS, RS.FAILED}),
    RS.RUNNING: frozenset({RS.SUCCESS, RS.FAILED, RS.QUEUED}),
    RS.SUCCESS: frozenset({RS.RUNNING, RS.QUEUED, RS.FAILED}),
    RS.FAILED: frozenset({RS.RUNNING, RS.QUEUED, RS.SUCCESS}),
}


class IllegalTransition(ValueError):
    """A write asked for a move the table does not allow (a programming error)."""


def ti_state(value: str | None) -> TaskState | None:
    return None if value is None or value == "none" else TaskState(value)


def check_ti_moves(expected: Iterable[str | None], to: str | None) -> None:
    """Raise IllegalTransition unless every state in `expected` may move to `to`."""
    target = ti_state(to)
    for old in expected:
        source = ti_state(old)
        if source != target and target not in TI_MOVES[source]:
            raise IllegalTransition(f"task instance {source or 'none'} → {target or 'none'}")


def check_run_moves(expected: Iterable[str], to: str) -> None:
    target = RunState(to)
    for old in expected:
        source = RunState(old)
        if source != target and target not in RUN_MOVES[source]:
            raise IllegalTransition(f"DAG run {source} → {target}")
