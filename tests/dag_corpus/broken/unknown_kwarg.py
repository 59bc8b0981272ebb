"""Broken: an argument no operator accepts."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("broken_unknown_kwarg", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    BashOperator(task_id="x", bash_command="true", provide_context=True)
