"""Broken: unknown trigger rule."""
from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("broken_trigger_rule", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="x", trigger_rule="whenever_you_like")
