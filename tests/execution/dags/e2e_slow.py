"""Slow tasks for crash tests: `slow` sleeps, then succeeds; `victim` sleeps on try 1 only
(the test kills it), then succeeds on its retry."""
import time
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator


def _slow():
    time.sleep(6)  # longer than the tests' task_heartbeat_timeout (4 s)
    return "done"


def _victim(ti, **_):
    print(f"try {ti.try_number} pid-ready", flush=True)
    if ti.try_number == 1:
        time.sleep(60)
    return "survived"


with DAG("e2e_slow", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="slow", python_callable=_slow)

with DAG("e2e_victim", schedule=None, start_date=datetime(2024, 1, 1),
         default_args={"retries": 1, "retry_delay": timedelta(seconds=0)}):
    PythonOperator(task_id="victim", python_callable=_victim)
