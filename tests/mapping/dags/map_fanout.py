"""Fan-out over an upstream list of 200, then a reduce over every mapped result."""

from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_fanout():
    @task
    def numbers() -> list[int]:
        return list(range(200))

    @task(map_index_template="{{ n_label }}")
    def square(n: int, offset: int) -> int:
        from airflow.operators.python import get_current_context

        get_current_context()["n_label"] = f"n={n}"
        return n * n + offset

    @task
    def total(values) -> dict:
        values = list(values)
        return {"count": len(values), "sum": sum(values), "first": values[:3]}

    total(square.partial(offset=1).expand(n=numbers()))


map_fanout()
