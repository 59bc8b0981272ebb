"""One failing map index with retries; an all_done reduce still sees the others."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_retry():
    @task(retries=1, retry_delay=0)
    def work(x: int) -> int:
        if x == 3:
            raise ValueError(f"index with x={x} always fails")
        return x * 10

    @task(trigger_rule="all_done")
    def collect(values) -> list:
        return list(values)

    @task
    def strict(values) -> None:
        raise AssertionError("must not run: an upstream index failed")

    out = work.expand(x=[1, 2, 3, 4])
    collect(out)
    strict(out)


map_retry()
