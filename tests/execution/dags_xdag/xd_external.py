"""ExternalTaskSensor / ExternalTaskMarker across two DAGs run at the same logical date."""
from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor
from airflow.utils.task_group import TaskGroup


def _work(**context):
    if context["dag_run"].conf.get("fail") == "yes":
        raise ValueError("upstream work failed")


with DAG("xd_upstream", schedule=None, start_date=datetime(2024, 1, 1)):
    work = PythonOperator(task_id="work", python_callable=_work, retries=0)
    with TaskGroup("grp") as grp:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    marker = ExternalTaskMarker(task_id="marker", external_dag_id="xd_downstream",
                                external_task_id="wait_work")
    work >> grp >> marker

with DAG("xd_downstream", schedule=None, start_date=datetime(2024, 1, 1)):
    wait_work = ExternalTaskSensor(
        task_id="wait_work", external_dag_id="xd_upstream", external_task_id="work",
        allowed_states=["success"], failed_states=["failed", "upstream_failed"],
        check_existence=True, poke_interval=0.2, timeout=120)
    wait_group = ExternalTaskSensor(
        task_id="wait_group", external_dag_id="xd_upstream", external_task_group_id="grp",
        failed_states=["failed", "upstream_failed"], poke_interval=0.2, timeout=120)
    ExternalTaskSensor(
        task_id="wait_run", external_dag_id="xd_upstream", allowed_states=["success"],
        failed_states=["failed"], poke_interval=0.2, timeout=120)
    after = EmptyOperator(task_id="after")
    wait_work >> wait_group >> after
