"""Retry decisions, pure: Airflow 2's `TaskInstance.next_retry_datetime` and the
failed-vs-up_for_retry rule. Used by the task runner, the executor (a try that died
without reporting) and zombie detection, so all three agree.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from crosswind.states import TaskState

DEFAULT_RETRY_DELAY = 300.0  # Airflow's [core] default_task_retry_delay


def failure_state(try_number: int, max_tries: int, retryable: bool = True) -> TaskState:
    """`up_for_retry` while tries remain (try_number counts from 1), else `failed`."""
    if retryable and try_number <= max_tries:
        return TaskState.UP_FOR_RETRY
    return TaskState.FAILED


def retry_delay(
    *,
    try_number: int,
    retry_delay: float | None,
    exponential: bool,
    max_retry_delay: float | None,
    key: str,
) -> timedelta:
    """The wait before the next try, Airflow 2's rule.

    Plain: `retry_delay`. Exponential: min_backoff = ceil(delay * 2**(try_number-1)), at
    least 1 s, plus a deterministic jitter in [0, min_backoff) derived from `key`
    ("dag_id#task_id#logical_date#try_number" in Airflow), capped by max_retry_delay.
    """
    delay = DEFAULT_RETRY_DELAY if retry_delay is None else float(retry_delay)
    if not exponential:
        return timedelta(seconds=delay)
    min_backoff = max(1, math.ceil(delay * (2 ** (try_number - 1))))
    digest = int(hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest(), 16)
    seconds = min(min_backoff + digest % min_backoff, timedelta.max.total_seconds() - 1)
    backoff = timedelta(seconds=seconds)
    if max_retry_delay:
        backoff = min(backoff, timedelta(seconds=float(max_retry_delay)))
    return backoff


def next_retry_at(
    task: dict, *, dag_id: str, logical_date: datetime, try_number: int, end: datetime
) -> datetime:
    """When a try that ended at `end` may be retried, from a serialized task dict."""
    key = f"{dag_id}#{task['task_id']}#{logical_date.isoformat()}#{try_number}"
    return end + retry_delay(
        try_number=try_number,
        retry_delay=task.get("retry_delay"),
        exponential=bool(task.get("retry_exponential_backoff")),
        max_retry_delay=task.get("max_retry_delay"),
        key=key,
    )
