"""Mapped task groups with expand_kwargs over an upstream list of dicts and with expand
over literals; a mapped task over the group's output fails as on Airflow (an unmapped
task of the group pushed a str)."""

from datetime import datetime

from airflow.decorators import dag, task, task_group


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_group_kwargs():
    @task
    def pairs() -> list[dict]:
        return [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]

    @task
    def join(a, b, sep) -> str:
        return f"{b}{sep}{a}"

    @task
    def shout(s: str) -> str:
        return s.upper()

    @task_group
    def labels(a, b, sep):
        return shout(join(a, b, sep))

    @task_group(group_id="lit")
    def literal_group(n):
        @task
        def twice(n: int) -> int:
            return n * 2

        return twice(n)

    @task
    def again(v: str) -> str:
        return v + "!"

    @task
    def tot(values) -> int:
        return sum(values)

    again.expand(v=labels.partial(sep="-").expand_kwargs(pairs()))
    tot(literal_group.expand(n=[5, 6, 7]))


map_group_kwargs()
