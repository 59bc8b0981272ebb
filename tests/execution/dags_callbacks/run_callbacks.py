"""DAG-level callbacks: each writes what its context says to <home>/callback_out/, where
the test reads it (the DAGs folder is <home>/dags)."""

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

OUT = Path(__file__).resolve().parent.parent / "callback_out"


def record(context) -> None:
    OUT.mkdir(exist_ok=True)
    run = context["dag_run"]
    (OUT / f"{run.dag_id}.json").write_text(json.dumps({
        "reason": context["reason"], "run_id": run.run_id, "state": run.state,
        "dag_id": context["dag"].dag_id, "ti_task_id": context["ti"].task_id,
        "ds": context["ds"], "param": context["params"].get("who"), "pid": os.getpid(),
    }))


def broken(context) -> None:
    raise RuntimeError("this callback is broken on purpose")


def fail() -> None:
    raise ValueError("the work fails")


with DAG("cb_success", schedule=None, start_date=datetime(2024, 1, 1),
         params={"who": "me"}, on_success_callback=record, on_failure_callback=broken):
    BashOperator(task_id="hello", bash_command="echo hello")

with DAG("cb_failure", schedule=None, start_date=datetime(2024, 1, 1),
         on_failure_callback=[broken, record]):
    PythonOperator(task_id="work", python_callable=fail)

with DAG("cb_timeout", schedule=None, start_date=datetime(2024, 1, 1),
         dagrun_timeout=timedelta(seconds=2), on_failure_callback=record):
    BashOperator(task_id="slow", bash_command="sleep 60")
