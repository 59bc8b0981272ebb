import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.timetables.base import DataInterval, Timetable


class NotInAPlugin(Timetable):
    def infer_manual_data_interval(self, *, run_after):
        return DataInterval.exact(run_after)

    def next_dagrun_info(self, *, last_automated_data_interval, restriction):
        return None


with DAG("unregistered_schedule", schedule=NotInAPlugin(),
         start_date=pendulum.datetime(2024, 1, 1, tz="UTC")):
    EmptyOperator(task_id="t")
