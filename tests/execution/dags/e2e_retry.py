"""Retries: flaky succeeds on its second try; broken fails for good; after_broken is
upstream_failed."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator


def _flaky(ti, **_):
    if ti.try_number < 2:
        raise RuntimeError(f"flaky failure on try {ti.try_number}")
    return "ok"


def _broken():
    raise ValueError("always broken")


with DAG("e2e_retry", schedule=None, start_date=datetime(2024, 1, 1),
         default_args={"retries": 1, "retry_delay": timedelta(seconds=0.5)}):
    flaky = PythonOperator(task_id="flaky", python_callable=_flaky)
    broken = PythonOperator(task_id="broken", python_callable=_broken)
    after_broken = EmptyOperator(task_id="after_broken")
    broken >> after_broken
