"""The in-process core of running one task try.

execute_task() renders templated fields, calls the operator, pushes its return value,
maps exceptions to an outcome and runs callbacks. It never raises for task errors:
the caller (task runner / DAG.test) decides retries from TaskOutcome.retryable, the
try number and max_tries, and applies follow_task_ids / skip_downstream to downstream.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import signal
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from crosswind.dags import dataset_context
from crosswind.dags.exceptions import (
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
    TaskDeferred,
)
from crosswind.dags.mapping import check_push_for_mapping
from crosswind.dags.masking import redact
from crosswind.dags.runtime import pop_context, push_context
from crosswind.dags.templating import render_template_fields

log = logging.getLogger(__name__)


@dataclass
class TaskOutcome:
    state: str  # "success" | "skipped" | "failed" | "deferred" | "up_for_reschedule"
    retryable: bool = False
    error: str | None = None
    rendered_fields: dict[str, Any] = field(default_factory=dict)
    follow_task_ids: list[str] | None = None  # branch: direct downstream to keep
    skip_downstream: bool = False  # short-circuit: skip everything downstream
    return_value: Any = None
    defer: dict[str, Any] | None = None  # deferred: see deferral_outcome()
    rendered_map_index: str | None = None  # a mapped task's map_index_template, rendered
    reschedule_date: datetime | None = None  # up_for_reschedule: when to poke again


def json_safe(value: Any) -> Any:
    """A JSON-serialisable copy of value (secrets redacted) for rendered_fields."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    return redact(repr(value))


@contextlib.contextmanager
def _timeout(seconds: float | None, task_id: str) -> Iterator[None]:
    """SIGALRM-based execution_timeout; only possible in the main thread."""
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise AirflowTaskTimeout(f"Timeout, PID: task {task_id} exceeded {seconds} s")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_callbacks(callbacks: Any, context: dict[str, Any]) -> None:
    """Call one callback or each of a list; a callback's error is logged, never raised."""
    for callback in callbacks if isinstance(callbacks, list | tuple) else [callbacks]:
        if callback is None:
            continue
        try:
            callback(context)
        except Exception:  # a callback error never changes the outcome
            log.exception("Error when executing %s callback", getattr(callback, "__name__", "?"))


def send_alert_email(task: Any, context: dict[str, Any], exc: BaseException, *,
                     retrying: bool) -> None:
    """email_on_failure / email_on_retry to task.email; a sending error is only logged."""
    wanted = task.email_on_retry if retrying else task.email_on_failure
    if not task.email or not wanted:
        return
    from crosswind.dags.email import alert_message, send_email

    try:
        send_email(task.email, *alert_message(context, exc, retrying=retrying))
    except Exception:
        log.exception("Failed to send email to: %s", task.email)


def _push_result(task: Any, ti: Any, result: Any) -> None:
    if not task.do_xcom_push or result is None:
        return
    ti.xcom_push(key="return_value", value=result)
    if getattr(task, "multiple_outputs", False) and isinstance(result, dict):
        for key, value in result.items():
            ti.xcom_push(key=str(key), value=value)


def execute_task(task: Any, context: dict[str, Any], next_method: str | None = None,
                 next_kwargs: dict[str, Any] | None = None) -> TaskOutcome:
    """Run one try of task with context (from build_context); never raises for task errors.
    With next_method, the try resumes a deferred task there instead of in execute()."""
    ti = context["ti"]
    outcome = TaskOutcome(state="failed", retryable=True)
    push_context(context)
    try:
        if getattr(task, "is_mapped", False):  # the operator of this map index
            try:
                task = task.unmap(context)
            except Exception:  # noqa: BLE001 - a mapped argument that cannot resolve
                outcome.error = redact(traceback.format_exc())
                return outcome
        else:
            task = copy.copy(task)  # rendering mutates fields; keep the parsed DAG pristine
        context["task"] = ti.task = task
        _execute(task, context, outcome, next_method, next_kwargs)
        outcome.rendered_map_index = _render_map_index(task, context)
    finally:
        pop_context()
    return outcome


def _render_map_index(task: Any, context: dict[str, Any]) -> str | None:
    """map_index_template rendered with the try's context (after the task ran, so a
    TaskFlow task may set context values it uses), as Airflow 2.9+ does."""
    template = getattr(task, "map_index_template", None)
    if not template or context["ti"].map_index < 0:
        return None
    from crosswind.dags.templating import make_environment

    try:
        return str(make_environment(task.dag).from_string(template).render(**context))
    except Exception:
        log.warning("Could not render map_index_template %r", template, exc_info=True)
        return None


def _execute(task: Any, context: dict[str, Any], outcome: TaskOutcome,
             next_method: str | None, next_kwargs: dict[str, Any] | None) -> None:
    ti = context["ti"]
    try:
        outcome.rendered_fields = json_safe(render_template_fields(task, context))
        if next_method is None:  # Airflow runs these once per try, not again on resume
            run_callbacks(task.on_execute_callback, context)
            if callable(getattr(task, "pre_execute", None)):
                task.pre_execute(context)
        timeout = task.execution_timeout.total_seconds() if task.execution_timeout else None
        with _timeout(timeout, task.task_id):
            if next_method is None:
                returned = task.execute(context)
            else:
                returned = task.resume_execution(next_method, next_kwargs, context)
            result = dataset_context.drain(returned, context)
        if callable(getattr(task, "post_execute", None)):
            task.post_execute(context, result)
        check_push_for_mapping(task, result)
        _push_result(task, ti, result)
    except TaskDeferred as exc:
        from crosswind.triggers.deferral import deferral_outcome

        log.info("Pausing task as DEFERRED. dag_id=%s, task_id=%s", ti.dag_id, task.task_id)
        try:
            outcome.defer = deferral_outcome(exc)
            outcome.state, outcome.retryable = "deferred", False
        except Exception:  # noqa: BLE001 - an unserialisable trigger fails the try
            outcome.error = redact(traceback.format_exc())
            log.error("Task %s failed: its trigger cannot be stored", task.task_id)
        return
    except AirflowRescheduleException as exc:
        log.info("Rescheduling task, marking task as UP_FOR_RESCHEDULE")
        outcome.state, outcome.retryable = "up_for_reschedule", False
        outcome.reschedule_date = exc.reschedule_date
        return
    except AirflowSkipException as exc:
        log.info("Skipping task %s: %s", task.task_id, exc)
        outcome.state, outcome.retryable = "skipped", False
        run_callbacks(task.on_skipped_callback, context)
        return
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - any task error fails the try
        outcome.error = redact(traceback.format_exc())
        # Airflow: a sensor that timed out is not retried either.
        outcome.retryable = not isinstance(exc, AirflowFailException | AirflowSensorTimeout)
        context["exception"] = exc
        will_retry = outcome.retryable and ti.try_number <= ti.max_tries
        log.error("Task %s failed%s", task.task_id, ", will retry" if will_retry else "")
        run_callbacks(task.on_retry_callback if will_retry else task.on_failure_callback, context)
        send_alert_email(task, context, exc, retrying=will_retry)
        return
    outcome.state, outcome.retryable = "success", False
    outcome.return_value = result
    outcome.follow_task_ids = ti.follow_task_ids
    outcome.skip_downstream = ti.skip_downstream
    run_callbacks(task.on_success_callback, context)
