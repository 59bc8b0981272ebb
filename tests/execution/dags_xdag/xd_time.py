"""LatestOnly in catchup runs, weekday / datetime branching on chosen logical dates, and
the time sensors with targets already past."""
from datetime import UTC, datetime, time, timedelta

from airflow import DAG
from airflow.operators.datetime import BranchDateTimeOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.latest_only import LatestOnlyOperator
from airflow.operators.weekday import BranchDayOfWeekOperator
from airflow.sensors.date_time import DateTimeSensor
from airflow.sensors.time_delta import TimeDeltaSensor
from airflow.sensors.time_sensor import TimeSensor
from airflow.sensors.weekday import DayOfWeekSensor
from airflow.utils.weekday import WeekDay

THREE_DAYS_AGO = (datetime.now(UTC) - timedelta(days=3)).replace(
    hour=0, minute=0, second=0, microsecond=0)

with DAG("xd_latest", schedule="@daily", start_date=THREE_DAYS_AGO, catchup=True,
         max_active_runs=1):
    latest = LatestOnlyOperator(task_id="latest_only")
    follow = EmptyOperator(task_id="follow")
    always = EmptyOperator(task_id="always", trigger_rule="all_done")
    latest >> follow >> always

with DAG("xd_branch", schedule=None, start_date=datetime(2024, 1, 1)):
    by_day = BranchDayOfWeekOperator(
        task_id="by_day", week_day={WeekDay.SATURDAY, "Sunday"}, use_task_logical_date=True,
        follow_task_ids_if_true="weekend", follow_task_ids_if_false="workday")
    by_day >> [EmptyOperator(task_id="weekend"), EmptyOperator(task_id="workday")]
    by_time = BranchDateTimeOperator(
        task_id="by_time", target_lower=time(9), target_upper=time(17),
        use_task_logical_date=True,
        follow_task_ids_if_true=["office_hours"], follow_task_ids_if_false=["off_hours"])
    by_time >> [EmptyOperator(task_id="office_hours"), EmptyOperator(task_id="off_hours")]

with DAG("xd_sensors", schedule=None, start_date=datetime(2024, 1, 1)):
    DateTimeSensor(task_id="past_moment", target_time="{{ logical_date }}", poke_interval=0.2)
    DayOfWeekSensor(task_id="any_day", week_day=set(WeekDay), use_task_logical_date=True,
                    poke_interval=0.2)
    TimeSensor(task_id="after_midnight", target_time=time(0, 0), poke_interval=0.2)
    TimeDeltaSensor(task_id="no_delay", delta=timedelta(0), poke_interval=0.2)
