"""States of DAG runs and task instances, as Airflow 2 names them on the wire.

    TaskInstance:  none → scheduled → queued → running → success | failed | up_for_retry
                   up_for_retry → scheduled (when retry_delay has passed)
                   none/scheduled → upstream_failed | skipped | removed (decided by the scheduler)
                   running → restarting (cleared while running)
    DagRun:        queued → running → success | failed
"""

from __future__ import annotations

import enum


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


# Task instance states as strings; `None` (no state yet) is spelled "none" in API filters.
TI_FINISHED = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})
TI_UNFINISHED = frozenset(
    {None, "scheduled", "queued", "running", "up_for_retry", "up_for_reschedule", "restarting",
     "deferred"}
)
TI_ACTIVE = frozenset({"queued", "running"})  # holding a pool slot / an executor slot
TI_ALL = frozenset(s.value for s in TaskState) | {"none"}
RUN_FINISHED = frozenset({"success", "failed"})
RUN_ALL = frozenset(s.value for s in RunState)
