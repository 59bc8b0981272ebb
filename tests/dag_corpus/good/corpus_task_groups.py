"""Airflow docs style: pendulum start date, TaskGroup, @task_group, Label-free wiring."""
import pendulum
from airflow import DAG
from airflow.decorators import task, task_group
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup

with DAG(
    dag_id="corpus_task_groups",
    schedule="30 2 * * 1-5",
    start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
    catchup=False,
    dagrun_timeout=pendulum.duration(minutes=30),
    tags=["corpus", "groups"],
) as dag:
    start = EmptyOperator(task_id="start")

    with TaskGroup("extract", tooltip="pull sources") as extract:
        for source in ("orders", "users"):
            BashOperator(task_id=f"pull_{source}", bash_command=f"echo {source}")

    @task_group(group_id="transform")
    def transform():
        @task
        def clean() -> int:
            return 1

        @task
        def enrich(n: int) -> int:
            return n + 1

        return enrich(clean())

    done = EmptyOperator(task_id="done")
    start >> extract >> transform() >> done
