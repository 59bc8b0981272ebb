"""A team's plugin: a timetable that runs each weekday at 06:00 UTC (data interval: the
previous weekday 06:00 to this one), one that always raises, and a template macro."""

from __future__ import annotations

from datetime import timedelta

from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable
from pendulum import UTC, DateTime


def _next_weekday_six(after: DateTime) -> DateTime:
    day = after.in_timezone(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    if day <= after:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _prev_weekday_six(before: DateTime) -> DateTime:
    day = before.in_timezone(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    if day > before:
        day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


class WeekdayMornings(Timetable):
    description = "Weekdays at 06:00 UTC"

    @property
    def summary(self) -> str:
        return "weekday mornings"

    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        end = _prev_weekday_six(run_after)
        return DataInterval(start=_prev_weekday_six(end - timedelta(seconds=1)), end=end)

    def next_dagrun_info(self, *, last_automated_data_interval: DataInterval | None,
                         restriction: TimeRestriction) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            start = last_automated_data_interval.end
        elif restriction.earliest is None:
            return None
        else:
            start = _next_weekday_six(restriction.earliest - timedelta(seconds=1))
        end = _next_weekday_six(start)
        if restriction.latest is not None and start > restriction.latest:
            return None
        return DagRunInfo.interval(start=start, end=end)


class AlwaysBroken(Timetable):
    def infer_manual_data_interval(self, *, run_after: DateTime) -> DataInterval:
        return DataInterval.exact(run_after)

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        raise RuntimeError("the calendar service is down")


def shout(text: str) -> str:
    return text.upper() + "!"


class TeamPlugin(AirflowPlugin):
    name = "team_plugin"
    timetables = [WeekdayMornings, AlwaysBroken]
    macros = [shout]
