"""XCom entries of a task instance: list, key filter, pages, value rendering, errors."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from support import dag_rows

D1 = datetime(2024, 1, 1, tzinfo=UTC)
ITEM = {
    "key",
    "timestamp",
    "execution_date",
    "logical_date",
    "map_index",
    "task_id",
    "dag_id",
    "dag_run_id",
    "run_id",
}


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


@pytest.fixture
def base(server) -> str:
    url = server.database_url
    dag = dag_rows.new_dag(url)
    run_id = dag_rows.insert_run(url, dag, D1)
    for key, value in (("return_value", {"a": [1, 2]}), ("count", 42), ("name", "hello")):
        dag_rows.insert_xcom(url, dag["dag_id"], run_id, "a", key, value)
    dag_rows.insert_xcom(url, dag["dag_id"], run_id, "b", "other", 1)
    return f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances"


def test_list(client: httpx.Client, base: str) -> None:
    r = client.get(f"{base}/a/xcomEntries")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total_entries"] == 3
    assert [x["key"] for x in body["xcom_entries"]] == ["return_value", "count", "name"]
    assert set(body["xcom_entries"][0]) == ITEM
    assert body["xcom_entries"][0]["execution_date"] == D1.isoformat()
    page = client.get(f"{base}/a/xcomEntries", params={"limit": 1, "offset": 1}).json()
    assert [x["key"] for x in page["xcom_entries"]] == ["count"] and page["total_entries"] == 3
    only = client.get(f"{base}/a/xcomEntries", params={"xcom_key": "name"}).json()
    assert [x["key"] for x in only["xcom_entries"]] == ["name"]
    assert client.get(f"{base}/c/xcomEntries").json() == {"xcom_entries": [], "total_entries": 0}


@pytest.mark.parametrize(
    ("key", "params", "value"),
    [
        ("count", {}, "42"),
        ("name", {}, "hello"),
        ("return_value", {}, "{'a': [1, 2]}"),
        ("return_value", {"deserialize": "true", "stringify": "false"}, {"a": [1, 2]}),
        ("count", {"deserialize": "true", "stringify": "false"}, 42),
        ("return_value", {"deserialize": "true"}, "{'a': [1, 2]}"),
    ],
)
def test_entry_values(client: httpx.Client, base: str, key: str, params: dict, value) -> None:
    r = client.get(f"{base}/a/xcomEntries/{key}", params=params)
    assert r.status_code == 200, r.text
    assert r.json()["value"] == value and r.json()["key"] == key and r.json()["task_id"] == "a"


def test_errors(client: httpx.Client, base: str, anon: httpx.Client) -> None:
    assert client.get(f"{base}/a/xcomEntries/missing").status_code == 404
    assert client.get(f"{base}/zz/xcomEntries").status_code == 404
    assert client.get(base.replace("/dagRuns/", "/dagRuns/x") + "/a/xcomEntries").status_code == 404
    assert client.get(f"{base}/a/xcomEntries", params={"limit": -1}).status_code == 400
    assert anon.get(f"{base}/a/xcomEntries").status_code == 401
