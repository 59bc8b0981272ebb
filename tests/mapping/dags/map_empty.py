"""Zero-length expansion: the mapped task and its all_success downstream are skipped."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.operators.bash import BashOperator


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_empty():
    @task
    def nothing() -> list[str]:
        return []

    @task
    def after(values) -> None:
        raise AssertionError("must not run")

    after(BashOperator.partial(task_id="echo").expand(bash_command=nothing()).output)


map_empty()
