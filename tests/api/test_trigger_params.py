"""Triggering a run validates conf against the DAG's Params (JSON schema), as Airflow 2:
a violating conf is a 400 problem naming the param and the reason, and no run is made.
Also: display names and Param schemas as the DAG and Task endpoints show them."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

DAG_ID = unique("tparams")
SOURCE = f"""
from datetime import datetime
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.empty import EmptyOperator

with DAG("{DAG_ID}", schedule=None, start_date=datetime(2024, 1, 1),
         dag_display_name="Params DAG",
         params={{
             "count": Param(3, type="integer", minimum=1, description="how many"),
             "color": Param("red", enum=["red", "blue"]),
             "email": Param("a@example.com", type="string", format="email"),
             "tags": Param([], type="array", items={{"type": "string"}}),
             "plain": 7,
         }}):
    EmptyOperator(task_id="t", task_display_name="The task")
"""
REQUIRED_ID = unique("treq")
REQUIRED = f"""
from datetime import datetime
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.empty import EmptyOperator

with DAG("{REQUIRED_ID}", schedule=None, start_date=datetime(2024, 1, 1),
         params={{"name": Param(type="string", minLength=2)}}):
    EmptyOperator(task_id="t")
"""


@pytest.fixture(scope="module")
def dags(server: Server) -> None:
    report = add_dags(server, {f"{DAG_ID}.py": SOURCE, f"{REQUIRED_ID}.py": REQUIRED})
    assert report.import_errors == 0


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server: Server, dags: None) -> Iterator[httpx.Client]:
    with server.client(prefix=request.param) as c:
        yield c


def _runs(client: httpx.Client, dag_id: str) -> int:
    return client.get(f"/dags/{dag_id}/dagRuns").json()["total_entries"]


@pytest.mark.parametrize(("conf", "reason"), [
    ({"count": 0}, "Invalid input for param count: 0 is less than the minimum of 1"),
    ({"count": "3"}, "Invalid input for param count: '3' is not of type 'integer'"),
    ({"color": "green"}, "Invalid input for param color: 'green' is not one of"),
    ({"email": "not-an-address"}, "Invalid input for param email: 'not-an-address' is not a"),
    ({"tags": ["a", 1]}, "Invalid input for param tags: 1 is not of type 'string'"),
])
def test_conf_breaking_params_is_refused(client: httpx.Client, conf: dict, reason: str) -> None:
    before = _runs(client, DAG_ID)
    r = client.post(f"/dags/{DAG_ID}/dagRuns", json={"conf": conf})
    assert r.status_code == 400, r.text
    problem = r.json()
    assert problem["status"] == 400 and problem["type"] and problem["title"]
    assert reason in problem["detail"]
    assert _runs(client, DAG_ID) == before


def test_conf_within_params_and_extra_keys_pass(client: httpx.Client) -> None:
    conf = {"count": 5, "color": "blue", "plain": "anything", "extra": {"x": 1}}
    r = client.post(f"/dags/{DAG_ID}/dagRuns", json={"conf": conf})
    assert r.status_code == 200, r.text
    assert r.json()["conf"] == conf


def test_param_without_default_must_be_given(client: httpx.Client) -> None:
    r = client.post(f"/dags/{REQUIRED_ID}/dagRuns", json={})
    assert r.status_code == 400, r.text
    assert "No value passed and Param has no default value" in r.json()["detail"]
    r = client.post(f"/dags/{REQUIRED_ID}/dagRuns", json={"conf": {"name": "x"}})
    assert r.status_code == 400 and "is too short" in r.json()["detail"]
    r = client.post(f"/dags/{REQUIRED_ID}/dagRuns", json={"conf": {"name": "xy"}})
    assert r.status_code == 200, r.text


def test_display_names_and_param_schemas_in_dag_and_task_endpoints(
        client: httpx.Client) -> None:
    detail = client.get(f"/dags/{DAG_ID}/details").json()
    assert detail["dag_display_name"] == "Params DAG"
    count = detail["params"]["count"]
    assert count["value"] == 3 and count["description"] == "how many"
    assert count["schema"] == {"type": "integer", "minimum": 1}
    assert detail["params"]["plain"]["schema"] == {}
    [t] = client.get(f"/dags/{DAG_ID}/tasks").json()["tasks"]
    assert t["task_display_name"] == "The task"
    assert client.get(f"/dags/{DAG_ID}").json()["dag_display_name"] == "Params DAG"
    listed = client.get("/dags", params={"dag_id_pattern": DAG_ID}).json()["dags"]
    assert [d["dag_display_name"] for d in listed] == ["Params DAG"]
    plain = client.get(f"/dags/{REQUIRED_ID}").json()
    assert plain["dag_display_name"] == REQUIRED_ID
    r = client.post(f"/dags/{DAG_ID}/dagRuns", json={})
    assert r.status_code == 200, r.text
    run_id = r.json()["dag_run_id"]
    ti = client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/t").json()
    assert ti["task_display_name"] == "The task"
    [listed_ti] = client.get(f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances").json()[
        "task_instances"]
    assert listed_ti["task_display_name"] == "The task"


def test_cli_trigger_validates_params(server: Server, dags: None) -> None:
    def trigger(conf: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "crosswind", "dags", "trigger", DAG_ID, "--conf", conf],
            env=server.env, capture_output=True, text=True, timeout=60, check=False)

    with server.client() as api:
        before = _runs(api, DAG_ID)
        bad = trigger('{"count": -1}')
        assert bad.returncode != 0
        assert "Invalid input for param count: -1 is less than the minimum of 1" in bad.stderr
        assert _runs(api, DAG_ID) == before
        good = trigger('{"count": 2}')
        assert good.returncode == 0, good.stderr
        assert _runs(api, DAG_ID) == before + 1
