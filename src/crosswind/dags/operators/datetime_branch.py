"""BranchDateTimeOperator (airflow.operators.datetime): follow one list of tasks when now
(or the run's logical date) lies within [target_lower, target_upper], another otherwise.
Naive bounds and bare times are wall-clock times in the DAG's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any

from crosswind.dags.exceptions import AirflowException
from crosswind.dags.operators.branch import BaseBranchOperator
from crosswind.dags.operators.time_rules import dag_timezone, in_datetime_window
from crosswind.dags.utils_dates import utcnow


class BranchDateTimeOperator(BaseBranchOperator):
    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        target_lower: datetime | time | None,
        target_upper: datetime | time | None,
        use_task_logical_date: bool = False,
        use_task_execution_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if target_lower is None and target_upper is None:
            raise AirflowException(
                "Both target_upper and target_lower are None. At least one "
                "must be defined to be compared to the current datetime"
            )
        self.target_lower = target_lower
        self.target_upper = target_upper
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.use_task_logical_date = use_task_logical_date or use_task_execution_date

    def choose_branch(self, context: dict[str, Any]) -> str | Iterable[str]:
        now = context["logical_date"] if self.use_task_logical_date else utcnow()
        inside = in_datetime_window(
            now, self.target_lower, self.target_upper, dag_timezone(self.dag)
        )
        return self.follow_task_ids_if_true if inside else self.follow_task_ids_if_false
