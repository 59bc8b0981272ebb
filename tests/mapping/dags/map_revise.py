"""The list a mapped task maps over has the length the `map_revise_n` Variable says: a
clear of `numbers` with its downstream re-expands `square` (more indexes, or fewer with
the rest removed)."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.models import Variable


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_revise():
    @task
    def numbers() -> list[int]:
        return list(range(int(Variable.get("map_revise_n", "3"))))

    @task
    def square(n: int) -> int:
        return n * n

    @task
    def total(values) -> list:
        return list(values)

    total(square.expand(n=numbers()))


map_revise()
