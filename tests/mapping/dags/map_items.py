"""Which map indexes get their item from the scheduler (WorkItem.mapped_args) rather than
reading the upstream list: one plain argument does; .map() and a dict do not. The values
are the same either way."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.operators.python import get_current_context


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_items():
    @task
    def numbers() -> list[int]:
        return [10, 20, 30]

    @task
    def letters() -> dict[str, int]:
        return {"a": 1, "b": 2}

    @task
    def probe(n) -> list:
        return [n, get_current_context()["ti"].mapped_args is not None]

    probe.override(task_id="plain").expand(n=numbers())
    probe.override(task_id="mapped").expand(n=numbers().map(lambda v: v + 1))
    probe.override(task_id="items").expand(n=letters())


map_items()
