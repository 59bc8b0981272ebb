"""Exceptions raised by DAG files and tasks, with Airflow 2's names.

AirflowException
 ├── AirflowSkipException        task ends "skipped"
 ├── AirflowFailException        task ends "failed", no retry
 ├── AirflowTaskTimeout          execution_timeout exceeded (retryable)
 ├── AirflowSensorTimeout        a sensor's timeout passed
 ├── AirflowRescheduleException  reschedule sensor: up_for_reschedule until a date
 ├── TaskDeferralError           a deferral failed or timed out
 ├── AirflowNotFoundException    unknown connection / variable
 │    └── DagNotFound            unknown DAG id (cross-DAG operators)
 ├── DagRunAlreadyExists         triggering a run that exists (carries it)
 ├── AirflowInvalidArguments     also a TypeError: bad operator/DAG kwargs
 ├── DagCycleException           (alias AirflowDagCycleException)
 ├── DuplicateTaskIdFound
 ├── ParamValidationError
 └── TaskNotFound
TaskDeferred (BaseException)     the task defers to a trigger
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any


class AirflowException(Exception):
    """Base of every Crosswind/Airflow authoring and task error."""


class AirflowSkipException(AirflowException):
    """Raise inside a task to mark it skipped."""


class AirflowFailException(AirflowException):
    """Raise inside a task to fail it without retrying."""


class AirflowTaskTimeout(AirflowException):
    """The task exceeded its execution_timeout."""


class AirflowTaskTerminated(AirflowException):
    """The task process received SIGTERM."""


class AirflowNotFoundException(AirflowException):
    """A connection or other named resource does not exist."""


class AirflowConfigException(AirflowException):
    """Invalid configuration."""


class AirflowSensorTimeout(AirflowException):
    """A sensor waited longer than its `timeout`."""


class AirflowRescheduleException(AirflowException):
    """Raised by a `mode="reschedule"` sensor: free the slot, poke again at reschedule_date."""

    def __init__(self, reschedule_date: Any) -> None:
        super().__init__()
        self.reschedule_date = reschedule_date


class TaskDeferred(BaseException):
    """Raised by BaseOperator.defer(): the try ends `deferred` until the trigger fires,
    then a new process resumes it in `method_name` (same try number)."""

    def __init__(self, *, trigger: Any, method_name: str, kwargs: dict[str, Any] | None = None,
                 timeout: timedelta | None = None) -> None:
        super().__init__()
        if timeout is not None and not hasattr(timeout, "total_seconds"):
            raise ValueError("Timeout value must be a timedelta")
        self.trigger, self.method_name = trigger, method_name
        self.kwargs, self.timeout = kwargs, timeout

    def __repr__(self) -> str:
        return f"<TaskDeferred trigger={self.trigger} method={self.method_name}>"


class TaskDeferralError(AirflowException):
    """A deferred task resumed to fail: its trigger failed or its deferral timed out."""


class AirflowInvalidArguments(AirflowException, TypeError):
    """Unknown keyword arguments given to an operator or DAG."""


class DagCycleException(AirflowException):
    """The task graph has a cycle."""


AirflowDagCycleException = DagCycleException


class DuplicateTaskIdFound(AirflowException):
    """Two tasks of one DAG share a task_id."""


class AirflowDagDuplicatedIdException(AirflowException):
    """Two DAGs in one file share a dag_id."""


class ParamValidationError(AirflowException):
    """A DAG param value does not match its schema."""


class TaskNotFound(AirflowException):
    """A task_id is not part of the DAG."""


class DagNotFound(AirflowNotFoundException):
    """No DAG with that id is known (TriggerDagRunOperator, ExternalTaskSensor)."""


class DagRunAlreadyExists(AirflowException):
    """A run with that run_id or logical date exists; `dag_run` is the existing one."""

    def __init__(self, dag_run: Any, execution_date: Any = None, run_id: str | None = None) -> None:
        super().__init__(
            f"A DAG Run already exists for DAG {getattr(dag_run, 'dag_id', '?')} "
            f"with run id {getattr(dag_run, 'run_id', run_id)}"
        )
        self.dag_run = dag_run
        self.execution_date = execution_date
        self.run_id = run_id
