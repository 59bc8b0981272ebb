"""BranchDayOfWeekOperator (airflow.operators.weekday): follow one list of tasks on the
given week day(s), another on the others. The day is the run's logical date's (in UTC,
as Airflow) with use_task_logical_date, else today's in the DAG's time zone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crosswind.dags.operators.branch import BaseBranchOperator
from crosswind.dags.operators.time_rules import dag_timezone, weekday_matches
from crosswind.dags.utils_dates import utcnow
from crosswind.dags.weekday import WeekDay


class BranchDayOfWeekOperator(BaseBranchOperator):
    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        week_day: str | WeekDay | Iterable[str | WeekDay],
        use_task_logical_date: bool = False,
        use_task_execution_day: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date or use_task_execution_day
        self._week_day_num = WeekDay.validate_week_day(week_day)

    def choose_branch(self, context: dict[str, Any]) -> str | Iterable[str]:
        if self.use_task_logical_date:
            moment = context["logical_date"]
        else:
            moment = utcnow().astimezone(dag_timezone(self.dag))
        if weekday_matches(moment, self._week_day_num):
            return self.follow_task_ids_if_true
        return self.follow_task_ids_if_false
