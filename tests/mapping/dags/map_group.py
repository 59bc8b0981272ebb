"""A mapped task group over an upstream list: index i of each task follows index i of the
task before it in the group; the reduce after the group sees every index."""

from datetime import datetime

from airflow.decorators import dag, task, task_group
from airflow.operators.bash import BashOperator


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_group():
    @task
    def numbers() -> list[int]:
        return [1, 2, 3]

    @task
    def add(x: int, y: int) -> int:
        return x + y

    @task
    def check(v: int, x: int) -> int:
        if x == 2:
            raise ValueError("x=2 fails in its own index")
        return v * 10

    @task(trigger_rule="all_done")
    def after(v) -> int:
        return -1 if v is None else v + 1

    @task_group
    def grp(x: int, y: int):
        BashOperator(task_id="echo", bash_command="echo index {{ ti.map_index }}")
        return after(check(add(x, y), x))

    @task(trigger_rule="all_done")
    def total(values) -> list:
        return sorted(values)

    @task
    def strict(values) -> list:
        return list(values)

    out = grp.partial(y=100).expand(x=numbers())
    total(out)
    strict(out)


map_group()
