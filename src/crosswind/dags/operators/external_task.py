"""ExternalTaskSensor and ExternalTaskMarker (airflow.sensors.external_task).

The sensor waits for task(s), a task group or a whole run of another DAG at the same
logical date (or shifted by execution_delta / chosen by execution_date_fn) to reach one
of allowed_states; failed_states fail it at once (skip with soft_fail), skipped_states
skip it. It only implements poke(): BaseSensorOperator drives poke / reschedule modes.

The marker does nothing when it runs; clearing it through the API with include_subdags
(Airflow's "recursive") clears the marked task and its downstream in the other DAG, up to
recursion_depth levels (see crosswind.store.external_clear).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from crosswind.dags.exceptions import AirflowException, AirflowSkipException
from crosswind.dags.operators.empty import EmptyOperator
from crosswind.dags.operators.python import determine_kwargs
from crosswind.dags.operators.sensors import BaseSensorOperator
from crosswind.dags.runtime import get_backend

log = logging.getLogger(__name__)
TASK_STATES = frozenset({
    "success", "running", "failed", "queued", "scheduled", "skipped", "upstream_failed",
    "up_for_retry", "up_for_reschedule", "deferred", "removed", "restarting", None,
})
DAG_STATES = frozenset({"success", "running", "failed", "queued"})


class ExternalDagLink:
    """The "External DAG" extra link of the sensor and the marker."""

    name = "External DAG"
    airflow_module = "airflow.sensors.external_task"

    @staticmethod
    def url(external_dag_id: str, logical_date: datetime) -> str:
        """The other DAG's grid at this task's logical date (what Airflow's link opens)."""
        query = urlencode({"execution_date": logical_date.isoformat()})
        return f"/dags/{quote(external_dag_id, safe='')}/grid?{query}"


def _check_states(allowed: list[Any], skipped: list[Any], failed: list[Any],
                  on_tasks: bool) -> None:
    total = set(allowed + skipped + failed)
    if len(total) != len(allowed) + len(skipped) + len(failed):
        raise AirflowException(
            "Duplicate values provided across allowed_states, skipped_states and failed_states."
        )
    if on_tasks and not total <= TASK_STATES:
        raise ValueError(
            "Valid values for `allowed_states`, `skipped_states` and `failed_states` when "
            "`external_task_id` or `external_task_ids` or `external_task_group_id` is not "
            f"`None`: {sorted(s for s in TASK_STATES if s)}"
        )
    if not on_tasks and not total <= DAG_STATES:
        raise ValueError(
            "Valid values for `allowed_states`, `skipped_states` and `failed_states` when "
            f"`external_task_id` and `external_task_group_id` is `None`: {sorted(DAG_STATES)}"
        )


def _values(states: Iterable[Any] | None) -> list[Any]:
    return [getattr(s, "value", s) for s in states] if states else []


class ExternalTaskSensor(BaseSensorOperator):
    template_fields = ("external_dag_id", "external_task_id", "external_task_ids",
                       "external_task_group_id")
    ui_color = "#4db7db"
    operator_extra_links = (ExternalDagLink(),)

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str | None = None,
        external_task_ids: Collection[str] | None = None,
        external_task_group_id: str | None = None,
        allowed_states: Iterable[str] | None = None,
        skipped_states: Iterable[str] | None = None,
        failed_states: Iterable[str] | None = None,
        execution_delta: timedelta | None = None,
        execution_date_fn: Callable[..., Any] | None = None,
        check_existence: bool = False,
        poll_interval: float = 2.0,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.allowed_states = _values(allowed_states) or ["success"]
        self.skipped_states = _values(skipped_states)
        self.failed_states = _values(failed_states)
        ids = list(external_task_ids) if external_task_ids else None
        if external_task_id is not None and ids is not None:
            raise ValueError(
                "Only one of `external_task_id` or `external_task_ids` may be provided to "
                "ExternalTaskSensor; use external_task_id or external_task_ids or "
                "external_task_group_id."
            )
        if external_task_id is not None:
            ids = [external_task_id]
        if external_task_group_id is not None and ids is not None:
            raise ValueError(
                "Only one of `external_task_group_id` or `external_task_ids` may be provided "
                "to ExternalTaskSensor; use external_task_id or external_task_ids or "
                "external_task_group_id."
            )
        _check_states(self.allowed_states, self.skipped_states, self.failed_states,
                      on_tasks=bool(ids or external_task_group_id))
        if execution_delta is not None and execution_date_fn is not None:
            raise ValueError(
                "Only one of `execution_delta` or `execution_date_fn` may be provided to "
                "ExternalTaskSensor; not both."
            )
        self.execution_delta = execution_delta
        self.execution_date_fn = execution_date_fn
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.external_task_ids = ids
        self.external_task_group_id = external_task_group_id
        self.check_existence = check_existence
        self._has_checked_existence = False
        self.poll_interval = poll_interval
        self.deferrable = deferrable  # pokes here until deferral is wired

    def logical_dates(self, context: dict[str, Any]) -> list[datetime]:
        """The external runs' logical dates this sensor looks at."""
        logical = context["logical_date"]
        if self.execution_delta:
            found: Any = logical - self.execution_delta
        elif self.execution_date_fn:
            skip = ("execution_date", "logical_date")
            extra = {k: v for k, v in context.items() if k not in skip}
            extra["context"] = context
            fn = self.execution_date_fn
            found = fn(logical, **determine_kwargs(fn, [logical], extra))
        else:
            found = logical
        return list(found) if isinstance(found, list | tuple) else [found]

    def poke(self, context: dict[str, Any]) -> bool:
        ids = self.external_task_ids
        if ids and len(ids) > len(set(ids)):
            raise ValueError("Duplicate task_ids passed in external_task_ids parameter")
        dates = self.logical_dates(context)
        shown = ",".join(d.isoformat() for d in dates)
        what = (f"tasks {ids}" if ids else f"task_group '{self.external_task_group_id}'"
                if self.external_task_group_id else "DAG")
        log.info("Poking for %s in dag %s on %s ... ", what, self.external_dag_id, shown)
        if self.check_existence and not self._has_checked_existence:
            self._check_for_existence()
        if self.failed_states and self._count(dates, self.failed_states) > 0:
            message = f"{self._subject()} failed."
            if self.soft_fail:
                raise AirflowSkipException(f"{message} Skipping due to soft_fail.")
            raise AirflowException(message)
        if self.skipped_states and self._count(dates, self.skipped_states) > 0:
            raise AirflowSkipException(
                f"{self._subject()} reached a state in our states-to-skip-on list. Skipping."
            )
        return self._count(dates, self.allowed_states) == len(dates)

    def _subject(self) -> str:
        if self.external_task_ids:
            return (f"Some of the external tasks {self.external_task_ids} "
                    f"in DAG {self.external_dag_id}")
        if self.external_task_group_id:
            return (f"The external task_group '{self.external_task_group_id}' "
                    f"in DAG '{self.external_dag_id}'")
        return f"The external DAG {self.external_dag_id}"

    def _count(self, dates: list[datetime], states: list[Any]) -> float:
        """Airflow's _get_count: matching task instances per watched task (so a full
        match equals the number of dates), or matching runs for a whole DAG."""
        backend = get_backend()
        if self.external_task_ids:
            hits = backend.count_task_instances(self.external_dag_id, self.external_task_ids,
                                                dates, states)
            return hits / len(self.external_task_ids)
        if self.external_task_group_id:
            members = self._group_members(backend)
            total = backend.count_task_instances(self.external_dag_id, members, dates,
                                                 TASK_STATES)
            if not total:
                return 0
            return backend.count_task_instances(self.external_dag_id, members, dates,
                                                states) / total
        return backend.count_dag_runs(self.external_dag_id, dates, states)

    def _group_members(self, backend: Any) -> list[str]:
        structure = backend.get_dag_structure(self.external_dag_id) or {}
        groups = structure.get("task_groups") or {}
        group = str(self.external_task_group_id)
        return list(groups.get(group) or [group])

    def _check_for_existence(self) -> None:
        structure = get_backend().get_dag_structure(self.external_dag_id)
        if structure is None:
            raise AirflowException(f"The external DAG {self.external_dag_id} does not exist.")
        fileloc = structure.get("fileloc")
        if fileloc and not os.path.exists(fileloc):
            raise AirflowException(f"The external DAG {self.external_dag_id} was deleted.")
        task_ids = structure.get("task_ids")
        for task_id in self.external_task_ids or ():
            if task_ids is not None and task_id not in task_ids:
                raise AirflowException(
                    f"The external task {task_id} in DAG {self.external_dag_id} does not exist."
                )
        groups = structure.get("task_groups")
        group = self.external_task_group_id
        if group and groups is not None and group not in groups:
            raise AirflowException(
                f"The external task group '{group}' in DAG '{self.external_dag_id}' "
                "does not exist."
            )
        self._has_checked_existence = True


class ExternalTaskMarker(EmptyOperator):
    """Marks that external_task_id of external_dag_id (at execution_date, templated)
    depends on this task, so a recursive clear of this task reaches it."""

    template_fields = ("external_dag_id", "external_task_id", "execution_date")
    ui_color = "#4db7db"
    operator_extra_links = (ExternalDagLink(),)

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str,
        execution_date: str | datetime | None = "{{ logical_date.isoformat() }}",
        recursion_depth: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        if isinstance(execution_date, datetime):
            self.execution_date = execution_date.isoformat()
        elif isinstance(execution_date, str):
            self.execution_date = execution_date
        else:
            raise TypeError(
                "Expected str or datetime.datetime type for execution_date. "
                f"Got {type(execution_date)}"
            )
        if recursion_depth <= 0:
            raise ValueError("recursion_depth should be a positive integer")
        self.recursion_depth = recursion_depth

    def serialized_extras(self) -> dict[str, Any]:
        return {"external_dag_id": self.external_dag_id,
                "external_task_id": self.external_task_id,
                "execution_date": self.execution_date,
                "recursion_depth": self.recursion_depth}
