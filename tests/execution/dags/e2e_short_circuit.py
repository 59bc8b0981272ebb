"""ShortCircuitOperator skipping everything downstream, and @task.short_circuit passing."""
from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator
from airflow.operators.python import ShortCircuitOperator

with DAG("e2e_short_circuit", schedule=None, start_date=datetime(2024, 1, 1)):
    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False)
    after_gate = BashOperator(task_id="after_gate", bash_command="echo never")
    far = BashOperator(task_id="far", bash_command="echo never", trigger_rule="all_done")

    @task.short_circuit
    def open_gate():
        return True

    runs = BashOperator(task_id="runs", bash_command="echo yes")
    gate >> after_gate >> far
    open_gate() >> runs
