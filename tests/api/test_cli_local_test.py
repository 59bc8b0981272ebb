"""`crosswind dags test` / `crosswind tasks test` as Airflow 2's CLI: parse the DAGs
folder, run in-process, print task logs and a failing task's traceback; Variables come
from the server's database; nothing is recorded."""

from __future__ import annotations

import subprocess
import sys

import httpx

from support import unique
from support.dagfiles import write_dags
from support.servers import Server

DAG_ID = unique("clitest")
SOURCE = f"""
from datetime import datetime
from airflow import DAG
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def read_var():
    print("variable is", Variable.get("{DAG_ID}_var"))


with DAG("{DAG_ID}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    hello = BashOperator(task_id="hello",
                         bash_command="echo hello {{{{ ds }}}} {{{{ dag_run.conf.get('x') }}}}")
    var = PythonOperator(task_id="var", python_callable=read_var)
    bad = BashOperator(task_id="bad", bash_command="echo boom; exit 3")
    after = BashOperator(task_id="after", bash_command="true")
    hello >> var >> bad >> after
"""


def _cli(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crosswind", *args], env=server.env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_dags_test_and_tasks_test(server: Server, api: httpx.Client) -> None:
    write_dags(server.home, {f"{DAG_ID}.py": SOURCE})
    r = api.post("/variables", json={"key": f"{DAG_ID}_var", "value": "from-the-db"})
    assert r.status_code == 200, r.text

    run = _cli(server, "dags", "test", DAG_ID, "2024-02-03", "--conf", '{"x": 5}')
    assert run.returncode == 1, run.stderr
    out = run.stdout
    assert "hello 2024-02-03 5" in out
    assert "variable is from-the-db" in out
    assert "boom" in out and "Traceback (most recent call last)" in out
    assert "non-zero exit code 3" in out
    assert "after: upstream_failed" in out and "hello: success" in out
    assert out.rstrip().endswith("DagRun failed")

    one = _cli(server, "tasks", "test", DAG_ID, "bad", "2024-02-03")
    assert one.returncode == 0, one.stderr  # as Airflow 2.11
    assert "boom" in one.stdout and "bad: failed" in one.stdout
    ok = _cli(server, "tasks", "test", DAG_ID, "after")
    assert ok.returncode == 0 and "after: success" in ok.stdout  # dependencies ignored

    missing = _cli(server, "dags", "test", "no_such_dag_" + DAG_ID)
    assert missing.returncode != 0
    assert "could not be found" in missing.stderr
    no_task = _cli(server, "tasks", "test", DAG_ID, "nope")
    assert no_task.returncode != 0 and "nope" in no_task.stderr
