import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from team_plugin import AlwaysBroken

with DAG("broken_schedule", schedule=AlwaysBroken(),
         start_date=pendulum.datetime(2024, 1, 1, tz="UTC")):
    EmptyOperator(task_id="t")
