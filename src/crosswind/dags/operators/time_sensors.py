"""TimeSensor, DateTimeSensor and DayOfWeekSensor (airflow.sensors.time_sensor,
.date_time, .weekday): poke-mode waits for a wall-clock time in the DAG's time zone, an
absolute moment (templated), or a week day. BaseSensorOperator drives poke()."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any

from crosswind.dags.operators.sensors import BaseSensorOperator
from crosswind.dags.operators.time_rules import dag_timezone, time_has_come, weekday_matches
from crosswind.dags.utils_dates import utcnow
from crosswind.dags.weekday import WeekDay

log = logging.getLogger(__name__)


def parse_moment(text: str) -> datetime:
    """Airflow's timezone.parse: ISO 8601, naive text taken as UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        import pendulum

        moment = pendulum.parse(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class TimeSensor(BaseSensorOperator):
    """Waits until the time of day, in the DAG's time zone, is past target_time."""

    def __init__(self, *, target_time: time, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_time = target_time

    def poke(self, context: dict[str, Any]) -> bool:
        log.info("Checking if the time (%s) has come", self.target_time)
        return time_has_come(utcnow(), self.target_time, dag_timezone(self.dag))


class DateTimeSensor(BaseSensorOperator):
    """Waits until now is past target_time (a datetime, or a templated ISO string)."""

    template_fields = ("target_time",)

    def __init__(self, *, target_time: str | datetime, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_time, datetime):
            self.target_time = target_time.isoformat()
        elif isinstance(target_time, str):
            self.target_time = target_time
        else:
            raise TypeError(
                f"Expected str or datetime.datetime type for target_time. Got {type(target_time)}"
            )

    def poke(self, context: dict[str, Any]) -> bool:
        log.info("Checking if the time (%s) has come", self.target_time)
        return utcnow() > parse_moment(str(self.target_time))


class DayOfWeekSensor(BaseSensorOperator):
    """Waits until the week day (UTC today, or the logical date's) is one of week_day."""

    def __init__(
        self,
        *,
        week_day: str | WeekDay | Iterable[str | WeekDay],
        use_task_logical_date: bool = False,
        use_task_execution_day: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date or use_task_execution_day
        self._week_day_num = WeekDay.validate_week_day(week_day)

    def poke(self, context: dict[str, Any]) -> bool:
        moment = context["logical_date"] if self.use_task_logical_date else utcnow()
        log.info("Poking until weekday is in %s, Today is %s", self.week_day,
                 WeekDay(utcnow().isoweekday()).name)
        return weekday_matches(moment, self._week_day_num)
