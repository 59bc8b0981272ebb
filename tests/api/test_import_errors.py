"""/importErrors in both dialects: list, order, get; fixed files clear their error."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

NAME = unique("terr")
BROKEN = {
    f"{NAME}_a.py": "from airflow import DAG\nfrom airflow.operators.nope import Nothing\n",
    f"{NAME}_b.py": "from airflow import DAG\nraise ValueError('bad value in b')\n",
}


@pytest.fixture(scope="module")
def errors(server: Server) -> dict[str, str]:
    add_dags(server, BROKEN)
    return {name: str(server.home / "dags" / name) for name in BROKEN}


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server: Server, errors: dict) -> Iterator[httpx.Client]:
    with server.client(prefix=request.param) as c:
        yield c


def mine(body: dict) -> list[dict]:
    return [e for e in body["import_errors"] if NAME in e["filename"]]


def test_list_and_get(client: httpx.Client, errors: dict[str, str]) -> None:
    body = client.get("/importErrors", params={"order_by": "filename", "limit": 100}).json()
    found = mine(body)
    assert [e["filename"] for e in found] == sorted(errors.values())
    assert body["total_entries"] >= 2
    a, b = found
    assert "airflow.operators.nope" in a["stack_trace"]
    assert "bad value in b" in b["stack_trace"] and "Traceback" in b["stack_trace"]
    assert a["timestamp"].endswith("+00:00")
    one = client.get(f"/importErrors/{b['import_error_id']}").json()
    assert one == b
    desc = client.get("/importErrors", params={"order_by": "-filename", "limit": 100}).json()
    assert [e["filename"] for e in mine(desc)] == sorted(errors.values(), reverse=True)


def test_missing_and_bad_params(client: httpx.Client) -> None:
    assert client.get("/importErrors/999999999").status_code == 404
    assert client.get("/importErrors/abc").status_code == 400
    assert client.get("/importErrors", params={"order_by": "stack_trace"}).status_code == 400


def test_fixing_the_file_clears_its_error(server: Server, api: httpx.Client) -> None:
    name = unique("tfix") + ".py"
    add_dags(server, {name: "from airflow import DAG\nraise RuntimeError('x')\n"})
    listed = api.get("/importErrors", params={"limit": 100, "order_by": "-import_error_id"})
    assert any(e["filename"].endswith(name) for e in listed.json()["import_errors"])
    dag_id = name[:-3]
    add_dags(server, {name: f"from datetime import datetime\nfrom airflow import DAG\n"
                            f"from airflow.operators.empty import EmptyOperator\n"
                            f"with DAG('{dag_id}', schedule=None,"
                            f" start_date=datetime(2024, 1, 1)):\n"
                            f"    EmptyOperator(task_id='t')\n"})
    listed = api.get("/importErrors", params={"limit": 100, "order_by": "-import_error_id"})
    assert not any(e["filename"].endswith(name) for e in listed.json()["import_errors"])
    assert api.get(f"/dags/{dag_id}").status_code == 200


def test_viewer_reads_import_errors(server: Server, make_user, errors: dict) -> None:
    name, password = make_user("Viewer")
    with server.client(auth=(name, password)) as viewer:
        assert viewer.get("/importErrors").status_code == 200
