"""Input validation where Airflow 2.11.2 itself was checked (see README, "The API"):
numbers are not dates, an empty date filter is not "no filter", and OPTIONS/HEAD answer for
the methods a resource really has."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from support import dag_rows

PREFIXES = ["/api/v1", "/airflow/api/v1"]


@pytest.fixture(scope="module")
def dag_and_run(server) -> tuple[str, str]:
    dag = dag_rows.new_dag(server.database_url, "val")
    return dag["dag_id"], dag_rows.insert_run(server.database_url, dag,
                                              datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("value", [12345, "12345", 1.5, True, [], "not a date"])
def test_a_number_is_not_a_date(server, dag_and_run, prefix: str, value) -> None:
    dag_id, _ = dag_and_run
    with server.client(prefix=prefix) as c:
        before = c.get(f"/dags/{dag_id}/dagRuns").json()["total_entries"]
        for field in ("execution_date", "logical_date"):
            r = c.post(f"/dags/{dag_id}/dagRuns", json={field: value})
            assert r.status_code == 400, r.text
            assert r.json()["status"] == 400 and field in r.json()["detail"]
        assert c.get(f"/dags/{dag_id}/dagRuns").json()["total_entries"] == before
        r = c.post(f"/dags/{dag_id}/clearTaskInstances",
                   json={"dry_run": True, "start_date": value})
        assert r.status_code == 400
        r = c.post(f"/dags/{dag_id}/updateTaskInstancesState",
                   json={"task_id": "a", "execution_date": value, "new_state": "success",
                         "dry_run": True})
        assert r.status_code == 400
        r = c.post("/dags/~/dagRuns/list", json={"start_date_gte": value})
        assert r.status_code == 400


def test_iso_dates_still_accepted(api: httpx.Client, dag_and_run) -> None:
    dag_id, _ = dag_and_run
    r = api.post("/dags/~/dagRuns/list", json={"dag_ids": [dag_id],
                                                "start_date_gte": "2020-01-01T00:00:00Z"})
    assert r.status_code == 200
    r = api.post(f"/dags/{dag_id}/clearTaskInstances",
                 json={"dry_run": True, "start_date": "2020-01-01T00:00:00+00:00"})
    assert r.status_code == 200


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("path", "param"), [
    ("/dags/~/dagRuns", "updated_at_lte"),
    ("/dags/~/dagRuns", "execution_date_gte"),
    ("/dags/~/dagRuns/~/taskInstances", "start_date_gte"),
    ("/eventLogs", "before"),
])
def test_empty_date_filter_is_400(server, prefix: str, path: str, param: str) -> None:
    with server.client(prefix=prefix) as c:
        assert c.get(path).status_code == 200
        r = c.get(path, params={param: ""})
        assert r.status_code == 400 and param in r.json()["detail"]


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize(("path", "allow"), [
    ("/roles", "GET, HEAD, OPTIONS, POST"),
    ("/dags/x/dagRuns", "GET, HEAD, OPTIONS, POST"),
    ("/dags/x/dagRuns/r", "DELETE, GET, HEAD, OPTIONS, PATCH"),
    ("/pools/p", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),  # PUT: the seed's
    ("/health", "GET, HEAD, OPTIONS"),
    ("/dags/x/dagRuns/r/taskInstances/t/0", "GET, HEAD, OPTIONS, PATCH"),
])
def test_options_lists_the_methods_the_resource_has(anon: httpx.Client, server, prefix: str,
                                                    path: str, allow: str) -> None:
    with server.client(auth=None, prefix=prefix) as c:  # as Airflow: no credentials needed
        r = c.options(path)
        assert r.status_code == 200 and r.headers["allow"] == allow and r.content == b""


def test_options_on_no_resource_is_404(anon: httpx.Client) -> None:
    assert anon.options("/no/such/thing").status_code == 404


def test_head_is_get_without_body(api: httpx.Client, anon: httpx.Client) -> None:
    got, head = api.get("/pools"), api.head("/pools")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert anon.head("/pools").status_code == 401  # authorization as for GET
    assert api.head("/roles").status_code == 200
