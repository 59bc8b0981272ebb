"""Secrets in logs: a sensitive variable and a connection password are printed."""
from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.python import PythonOperator


def _leak():
    print("variable:", Variable.get("e2e_api_key"))
    print("password:", BaseHook.get_connection("e2e_conn").password)
    Variable.set("e2e_written_by_task", "hello")


with DAG("e2e_secrets", schedule=None, start_date=datetime(2024, 1, 1)):
    PythonOperator(task_id="leak", python_callable=_leak)
