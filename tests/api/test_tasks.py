"""/dags/{dag_id}/tasks in both dialects: structure, TimeDelta shapes, ordering."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

DAG_ID = unique("ttask")
SOURCE = f"""
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from airflow.utils.trigger_rule import TriggerRule

with DAG("{DAG_ID}", schedule=None, start_date=datetime(2024, 1, 1),
         default_args={{"owner": "bob", "retries": 2, "retry_delay": timedelta(minutes=1)}}):
    extract = BashOperator(task_id="extract", bash_command="echo {{{{ ds }}}}", pool_slots=2,
                           execution_timeout=timedelta(days=1, seconds=30), priority_weight=5)
    load = PythonOperator(task_id="load", python_callable=lambda: None, queue="fast",
                          trigger_rule=TriggerRule.ALL_DONE, retries=0)
    check = BashOperator(task_id="check", bash_command="true", depends_on_past=True)
    extract >> [load, check]
"""


@pytest.fixture(scope="module")
def dag(server: Server) -> str:
    assert add_dags(server, {f"{DAG_ID}.py": SOURCE}).import_errors == 0
    return DAG_ID


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server: Server, dag: str) -> Iterator[httpx.Client]:
    with server.client(prefix=request.param) as c:
        yield c


def test_list_tasks_default_order_and_fields(client: httpx.Client) -> None:
    body = client.get(f"/dags/{DAG_ID}/tasks").json()
    assert body["total_entries"] == 3
    assert [t["task_id"] for t in body["tasks"]] == ["check", "extract", "load"]
    extract = body["tasks"][1]
    assert extract["dag_id"] == DAG_ID and extract["task_type"] == "BashOperator"
    assert extract["class_ref"]["class_name"] == "BashOperator"
    assert extract["owner"] == "bob" and extract["retries"] == 2
    assert extract["queue"] == "default" and extract["pool"] == "default_pool"
    assert extract["pool_slots"] == 2 and extract["priority_weight"] == 5
    assert extract["downstream_task_ids"] == ["check", "load"]
    assert "bash_command" in extract["template_fields"]
    assert extract["execution_timeout"] == {"__type": "TimeDelta", "days": 1, "seconds": 30,
                                            "microseconds": 0}
    assert extract["retry_delay"] == {"__type": "TimeDelta", "days": 0, "seconds": 60,
                                      "microseconds": 0}
    assert extract["start_date"] == "2024-01-01T00:00:00+00:00"
    assert extract["is_mapped"] is False and extract["extra_links"] == []
    assert "sub_dag" not in extract and extract["task_display_name"] == "extract"


def test_get_task(client: httpx.Client) -> None:
    load = client.get(f"/dags/{DAG_ID}/tasks/load").json()
    assert load["task_type"] == "PythonOperator" and load["queue"] == "fast"
    assert load["trigger_rule"] == "all_done" and load["retries"] == 0
    assert load["execution_timeout"] is None and load["downstream_task_ids"] == []
    assert client.get(f"/dags/{DAG_ID}/tasks/check").json()["depends_on_past"] is True
    assert client.get(f"/dags/{DAG_ID}/tasks/nope").status_code == 404
    assert client.get(f"/dags/{unique('nodag')}/tasks/load").status_code == 404


@pytest.mark.parametrize(("order_by", "expected"), [
    ("-task_id", ["load", "extract", "check"]),
    ("-priority_weight", ["extract", "load", "check"]),
    ("retries", ["load", "check", "extract"]),
    ("-execution_timeout", ["extract", "load", "check"]),
])
def test_order_by(client: httpx.Client, order_by: str, expected: list[str]) -> None:
    body = client.get(f"/dags/{DAG_ID}/tasks", params={"order_by": order_by}).json()
    assert [t["task_id"] for t in body["tasks"]] == expected


def test_unknown_order_by_is_400(client: httpx.Client) -> None:
    r = client.get(f"/dags/{DAG_ID}/tasks", params={"order_by": "no_such_attr"})
    assert r.status_code == 400 and r.json()["status"] == 400
    assert client.get(f"/dags/{unique('nodag')}/tasks").status_code == 404
