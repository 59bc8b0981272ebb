"""TaskFlow in Airflow 2 style: @dag/@task, multiple_outputs, repeated task ids."""
from datetime import datetime

from airflow.decorators import dag, task
from airflow.operators.python import get_current_context


@dag(dag_id="corpus_taskflow_airflow", schedule=None, start_date=datetime(2024, 1, 1),
     tags=["corpus"])
def pipeline():
    @task(multiple_outputs=True)
    def split():
        return {"left": 2, "right": 5}

    @task
    def add(x, y):
        return x + y

    @task
    def report(value):
        ctx = get_current_context()
        return f"{ctx['dag'].dag_id}:{value}"

    parts = split()
    first = add(parts["left"], parts["right"])
    second = add(first, 10)  # task_id becomes add__1
    report(second)


pipeline()
