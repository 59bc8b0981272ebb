"""Two scopes: a work task cleared alone must bring back its setup and teardown only."""

import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator

with DAG("st_clear", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
         catchup=False):
    boot = EmptyOperator(task_id="boot_vm").as_setup()
    halt = EmptyOperator(task_id="halt_vm").as_teardown(setups=boot)
    with boot >> halt:
        extract = PythonOperator(task_id="extract", python_callable=lambda: 1)
        transform = PythonOperator(task_id="transform", python_callable=lambda: 2)
        extract >> transform
    unrelated = EmptyOperator(task_id="unrelated")
