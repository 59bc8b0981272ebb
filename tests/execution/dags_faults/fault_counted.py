"""Tasks that count their own executions: each try appends "task_id try_number" to
executions.log next to the DAGs folder. `fast_*` end at once; `slow_*` wait for the gate
file the test creates, so they are mid-run when the test kills processes."""
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG
from airflow.operators.python import PythonOperator

HOME = Path(__file__).resolve().parent.parent
N_FAST, N_SLOW = 6, 10


def _count(ti, **_):
    line = f"{ti.task_id} {ti.try_number}\n"
    fd = os.open(HOME / "executions.log", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line.encode())  # one write per execution: lines never interleave
    finally:
        os.close(fd)
    if ti.task_id.startswith("slow"):
        while not (HOME / "gate").exists():
            time.sleep(0.05)


with DAG("fault_counted", schedule=None, start_date=datetime(2024, 1, 1),
         default_args={"retries": 1, "retry_delay": timedelta(seconds=0)}):
    for i in range(N_FAST):
        PythonOperator(task_id=f"fast_{i}", python_callable=_count)
    for i in range(N_SLOW):
        PythonOperator(task_id=f"slow_{i}", python_callable=_count)
