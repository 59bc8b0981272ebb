"""Broken: two tasks share a task_id."""
from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("broken_duplicate_task_id", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="same")
    EmptyOperator(task_id="same")
