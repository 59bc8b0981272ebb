"""The Celery application of Crosswind, built from the settings.

One task, `crosswind.run_try(workitem_dict)`. No result backend: a try reports its state
through the metadata database, like a local one. Messages are acknowledged late (after
the try ran) so a message whose worker vanished before running it goes back to the
broker; a duplicate delivery is harmless because the task runner only starts a try with a
guarded `UPDATE ... WHERE state='queued' AND try_number=N`.

The worker side installs the function that runs a try (`set_runner`): the Celery task
hands the WorkItem to the worker's fork server and waits for the try process to exit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from celery import Celery

from crosswind.settings import Settings

TASK_NAME = "crosswind.run_try"
_runner: Callable[[dict[str, Any]], None] | None = None


def set_runner(runner: Callable[[dict[str, Any]], None]) -> None:
    """Install the worker's try runner (before the Celery worker starts consuming)."""
    global _runner
    _runner = runner


def _run_try(workitem: dict[str, Any]) -> None:
    if _runner is None:  # a process that only sends must never consume
        raise RuntimeError("crosswind.run_try executed outside `crosswind worker`")
    _runner(workitem)


def make_app(settings: Settings) -> Celery:
    app = Celery("crosswind", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="default",
        task_create_missing_queues=True,
        task_ignore_result=True,
        result_backend=None,
        worker_hijack_root_logger=False,
        worker_send_task_events=False,
        broker_connection_retry_on_startup=True,
        # The scheduler must not hang on a broker that is down: a failed send is kept and
        # tried again on a later loop (CeleryExecutor.sync).
        broker_connection_timeout=3,
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0,
                                   "interval_step": 0.5, "interval_max": 0.5},
        # A running try survives a broker reconnect; its state is in the database anyway.
        worker_cancel_long_running_tasks_on_connection_loss=False,
        # After a reconnect with tries in flight Celery lowers the prefetch count and
        # raises it again as those tries are acknowledged; but their acks are lost with
        # the old connection, so the worker could stay at a lower count, or consume
        # nothing at all (celery/celery#9512). Our prefetch is 1 per thread already.
        worker_enable_prefetch_count_reduction=False,
    )
    app.task(name=TASK_NAME, acks_late=True, ignore_result=True)(_run_try)
    return app
