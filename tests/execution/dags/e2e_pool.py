"""Six short tasks in a two-slot pool (created by the test through the API)."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("e2e_pool", schedule=None, start_date=datetime(2024, 1, 1)):
    for i in range(6):
        BashOperator(task_id=f"t{i}", bash_command="sleep 0.3", pool="e2e_two")
