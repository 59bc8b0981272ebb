"""The README's tour DAG (tests/execution/test_readme_tour.py runs it as written)."""

from datetime import datetime

from airflow import DAG  # or: from crosswind import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator

with DAG("hello", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    greet = BashOperator(task_id="greet", bash_command="echo hello {{ ds }}")

    @task
    def shout(**context):
        return context["dag_run"].conf.get("word", "HELLO")

    greet >> shout()
