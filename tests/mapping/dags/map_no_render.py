"""XCom values a mapped task maps over are not rendered as templates; literals are (as
Airflow 2.11.2 does)."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.operators.bash import BashOperator


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_no_render():
    @task
    def commands() -> list[str]:
        return ["echo 'x{{ 1 + 1 }}'"]

    @task
    def texts() -> list[str]:
        return ["t{{ 2 + 2 }}"]

    @task
    def show(text: str, tag: str) -> str:
        return f"{text}|{tag}"

    BashOperator.partial(task_id="from_xcom").expand(bash_command=commands())
    BashOperator.partial(task_id="from_literal").expand(bash_command=["echo 'y{{ 3 + 3 }}'"])
    show.partial(tag="{{ 5 + 5 }}").expand(text=texts())
    show.override(task_id="show_literal").expand(text=["l{{ 7 + 7 }}"], tag=["k"])

map_no_render()
