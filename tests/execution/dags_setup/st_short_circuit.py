"""A short-circuit inside a setup/teardown scope skips the work, never the teardown."""

import pendulum
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import ShortCircuitOperator

with DAG("st_short_circuit", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule=None, catchup=False):
    mount = EmptyOperator(task_id="mount").as_setup()
    unmount = EmptyOperator(task_id="unmount").as_teardown(setups=mount)
    with mount >> unmount:
        gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False)
        gate >> EmptyOperator(task_id="copy") >> EmptyOperator(task_id="verify")
