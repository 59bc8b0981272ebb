"""Broken: wires two tasks that belong to no DAG (airflow)."""
from airflow.operators.empty import EmptyOperator

EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
