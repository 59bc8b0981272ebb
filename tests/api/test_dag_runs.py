"""/dags/{dag_id}/dagRuns in both dialects: trigger (incl. Idempotency-Key), list filters and
ordering, get, delete, set state, clear, note, the `~` lists, errors and the event log."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from support import dag_rows, unique

D1 = datetime(2024, 1, 1, tzinfo=UTC)
D2 = datetime(2024, 1, 2, tzinfo=UTC)
D3 = datetime(2024, 1, 3, tzinfo=UTC)
RUN_FIELDS = {
    "dag_id",
    "run_id",
    "dag_run_id",
    "execution_date",
    "logical_date",
    "state",
    "run_type",
    "external_trigger",
    "data_interval_start",
    "data_interval_end",
    "start_date",
    "end_date",
    "queued_at",
    "last_scheduling_decision",
    "conf",
    "note",
}


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


@pytest.fixture
def dag(server) -> dict:
    return dag_rows.new_dag(server.database_url)


def _tis(client: httpx.Client, dag_id: str, run_id: str) -> dict[str, dict]:
    r = client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    assert r.status_code == 200, r.text
    return {t["task_id"]: t for t in r.json()["task_instances"]}


def _events(client: httpx.Client, dag_id: str) -> list[dict]:
    r = client.get("/eventLogs", params={"dag_id": dag_id, "order_by": "event_log_id"})
    return r.json()["event_logs"]


def test_trigger_seed_body(client: httpx.Client, dag: dict) -> None:
    body = {"execution_date": "2023-10-27T11:00:00+00:00", "conf": {"param1": "value1"}}
    r = client.post(f"/dags/{dag['dag_id']}/dagRuns", json=body)
    assert r.status_code == 200, r.text
    run = r.json()
    assert set(run) == RUN_FIELDS
    assert run["run_id"] == run["dag_run_id"] == "manual__2023-10-27T11:00:00+00:00"
    assert run["execution_date"] == run["logical_date"] == "2023-10-27T11:00:00+00:00"
    assert run["state"] == "queued" and run["run_type"] == "manual" and run["external_trigger"]
    assert run["conf"] == {"param1": "value1"}
    assert run["data_interval_start"] == run["data_interval_end"] == run["logical_date"]
    tis = _tis(client, dag["dag_id"], run["run_id"])
    assert set(tis) == {"a", "b", "c", "d"}
    assert all(t["state"] is None and t["try_number"] == 0 for t in tis.values())
    assert tis["b"]["max_tries"] == 2
    assert client.get(f"/dags/{dag['dag_id']}/dagRuns/{run['run_id']}").json() == run
    [event] = _events(client, dag["dag_id"])
    assert event["event"] == "trigger" and event["owner"] == "admin"
    assert event["run_id"] == run["run_id"]


def test_trigger_airflow_body_and_defaults(client: httpx.Client, server) -> None:
    dag = dag_rows.new_dag(server.database_url, schedule={"kind": "cron", "value": "0 0 * * *"})
    r = client.post(
        f"/dags/{dag['dag_id']}/dagRuns",
        json={"dag_run_id": "my_run", "logical_date": "2024-03-05T10:00:00Z", "note": "hello"},
    )
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["run_id"] == "my_run" and run["note"] == "hello" and run["conf"] == {}
    # A manual run of a daily DAG covers the day before its logical date (Airflow 2).
    assert run["data_interval_start"] == "2024-03-04T00:00:00+00:00"
    assert run["data_interval_end"] == "2024-03-05T00:00:00+00:00"
    r = client.post(f"/dags/{dag['dag_id']}/dagRuns", json={})
    assert r.status_code == 200 and r.json()["run_id"].startswith("manual__")


def test_trigger_errors(client: httpx.Client, dag: dict) -> None:
    path = f"/dags/{dag['dag_id']}/dagRuns"
    assert client.post(f"/dags/{unique('nope')}/dagRuns", json={}).status_code == 404
    for bad in (
        {"conf": [1]},
        {"conf": "x"},
        {"execution_date": "yesterday"},
        {"execution_date": "2024-01-01T00:00:00Z", "logical_date": "2024-01-02T00:00:00Z"},
        {"data_interval_start": "2024-01-01T00:00:00Z"},
    ):
        r = client.post(path, json=bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        client.post(path, json={"dag_run_id": "r1", "logical_date": D1.isoformat()}).status_code
        == 200
    )
    dup_id = client.post(path, json={"dag_run_id": "r1", "logical_date": D2.isoformat()})
    dup_date = client.post(path, json={"dag_run_id": "r2", "logical_date": D1.isoformat()})
    assert dup_id.status_code == dup_date.status_code == 409
    assert client.get(path).json()["total_entries"] == 1


def test_idempotency_key(client: httpx.Client, dag: dict) -> None:
    path = f"/dags/{dag['dag_id']}/dagRuns"
    key = {"Idempotency-Key": unique("key")}
    first = client.post(path, json={"conf": {"x": 1}}, headers=key)
    again = client.post(path, json={"conf": {"x": 1}}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert client.get(path).json()["total_entries"] == 1
    other = client.post(path, json={"conf": {"x": 2}}, headers=key)
    assert other.status_code == 409
    assert (
        client.post(
            path, json={"conf": {"x": 1}}, headers={"Idempotency-Key": unique("key")}
        ).status_code
        == 200
    )
    assert client.get(path).json()["total_entries"] == 2
    assert [e["event"] for e in _events(client, dag["dag_id"])] == ["trigger", "trigger"]


def _three_runs(server, dag: dict) -> list[str]:
    url = server.database_url
    return [
        dag_rows.insert_run(url, dag, D1, state="success", start_date=D1, end_date=D1),
        dag_rows.insert_run(url, dag, D2, state="failed", start_date=D2, end_date=D3),
        dag_rows.insert_run(url, dag, D3, state="running", start_date=D3),
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, [0, 1, 2]),
        ({"state": "success"}, [0]),
        ({"state": ["success", "running"]}, [0, 2]),
        ({"execution_date_gte": D2.isoformat()}, [1, 2]),
        ({"execution_date_lte": "2024-01-02T00:00:00+00:00"}, [0, 1]),
        ({"start_date_gte": D2.isoformat(), "start_date_lte": D2.isoformat()}, [1]),
        ({"end_date_gte": D2.isoformat()}, [1]),
        ({"order_by": "-execution_date"}, [2, 1, 0]),
        ({"order_by": "state"}, [1, 2, 0]),
        ({"order_by": "-execution_date", "limit": 1, "offset": 1}, [1]),
    ],
)
def test_list_filters_and_order(client: httpx.Client, server, params: dict, expected: list) -> None:
    dag = dag_rows.new_dag(server.database_url)
    runs = _three_runs(server, dag)
    r = client.get(f"/dags/{dag['dag_id']}/dagRuns", params=params)
    assert r.status_code == 200, r.text
    assert [x["run_id"] for x in r.json()["dag_runs"]] == [runs[i] for i in expected]
    if "limit" not in params:
        assert r.json()["total_entries"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [
        {"order_by": "conf"},
        {"state": "bogus"},
        {"execution_date_gte": "not-a-date"},
        {"limit": -1},
        {"updated_at_lte": "2024-13-01"},
    ],
)
def test_list_bad_params(client: httpx.Client, dag: dict, params: dict) -> None:
    assert client.get(f"/dags/{dag['dag_id']}/dagRuns", params=params).status_code == 400


def test_list_unknown_dag_and_run(client: httpx.Client, dag: dict) -> None:
    assert client.get(f"/dags/{unique('nope')}/dagRuns").status_code == 404
    r = client.get(f"/dags/{dag['dag_id']}/dagRuns/nope")
    assert r.status_code == 404 and r.json()["status"] == 404


def test_all_dags_lists(client: httpx.Client, server) -> None:
    d1, d2 = dag_rows.new_dag(server.database_url), dag_rows.new_dag(server.database_url)
    r1, r2 = (
        dag_rows.insert_run(server.database_url, d1, D1),
        dag_rows.insert_run(server.database_url, d2, D2, state="success"),
    )
    listed = client.get("/dags/~/dagRuns", params={"limit": 100, "order_by": "-id"}).json()
    mine = {(x["dag_id"], x["run_id"]) for x in listed["dag_runs"]}
    assert {(d1["dag_id"], r1), (d2["dag_id"], r2)} <= mine
    r = client.post(
        "/dags/~/dagRuns/list",
        json={"dag_ids": [d1["dag_id"], d2["dag_id"]], "order_by": "-execution_date"},
    )
    assert r.status_code == 200, r.text
    assert [x["dag_id"] for x in r.json()["dag_runs"]] == [d2["dag_id"], d1["dag_id"]]
    r = client.post(
        "/dags/~/dagRuns/list",
        json={"dag_ids": [d1["dag_id"], d2["dag_id"]], "states": ["success"], "page_limit": 5},
    )
    assert [x["dag_id"] for x in r.json()["dag_runs"]] == [d2["dag_id"]]
    assert r.json()["total_entries"] == 1
    assert client.post("/dags/~/dagRuns/list", json={"states": ["nope"]}).status_code == 400
    assert client.post("/dags/~/dagRuns/list", json={"page_offset": -1}).status_code == 400


def test_token_confined_to_dags(server, api: httpx.Client) -> None:
    d1, d2 = dag_rows.new_dag(server.database_url), dag_rows.new_dag(server.database_url)
    dag_rows.insert_run(server.database_url, d1, D1)
    dag_rows.insert_run(server.database_url, d2, D1)
    secret = api.post(
        "/users/admin/tokens",
        json={"name": unique("t"), "scopes": ["read"], "dag_ids": [d1["dag_id"]]},
    ).json()["token"]
    with httpx.Client(
        base_url=server.url + "/api/v1", timeout=30, headers={"Authorization": f"Bearer {secret}"}
    ) as tok:
        listed = tok.get("/dags/~/dagRuns").json()["dag_runs"]
        assert {x["dag_id"] for x in listed} == {d1["dag_id"]}
        listed = tok.post("/dags/~/dagRuns/list", json={}).json()["dag_runs"]
        assert {x["dag_id"] for x in listed} == {d1["dag_id"]}
        assert tok.get(f"/dags/{d2['dag_id']}/dagRuns").status_code == 404
        assert tok.post(f"/dags/{d1['dag_id']}/dagRuns", json={}).status_code == 403


def test_auth_errors(server, anon: httpx.Client, make_user, dag: dict) -> None:
    path = f"/dags/{dag['dag_id']}/dagRuns"
    r = anon.post(path, json={})
    assert r.status_code == 401 and "WWW-Authenticate" in r.headers
    viewer = make_user("Viewer")
    with server.client(auth=viewer) as c:
        assert c.get(path).status_code == 200
        assert c.post(path, json={}).status_code == 403
    assert anon.get(path).status_code == 401


def test_delete_removes_everything(client: httpx.Client, server, dag: dict) -> None:
    url = server.database_url
    run_id = dag_rows.insert_run(url, dag, D1)
    dag_rows.insert_xcom(url, dag["dag_id"], run_id, "a", "return_value", 1)
    path = f"/dags/{dag['dag_id']}/dagRuns/{run_id}"
    assert client.delete(path).status_code == 204
    assert client.get(path).status_code == 404
    assert client.delete(path).status_code == 404
    tis = client.get("/dags/~/dagRuns/~/taskInstances", params={"limit": 100, "order_by": "-id"})
    assert all(
        t["run_id"] != run_id or t["dag_id"] != dag["dag_id"] for t in tis.json()["task_instances"]
    )
    # The same logical date can be used again: nothing of the old run is left.
    run_id2 = dag_rows.insert_run(url, dag, D1)
    assert run_id2 == run_id
    assert client.get(f"{path}/taskInstances/a/xcomEntries").json()["total_entries"] == 0
    assert [e["event"] for e in _events(client, dag["dag_id"])] == ["dag_run.delete"]


def test_set_state_success_and_failed(client: httpx.Client, server, dag: dict) -> None:
    url, dag_id = server.database_url, dag["dag_id"]
    run_id = dag_rows.insert_run(url, dag, D1)
    dag_rows.set_ti(url, dag_id, run_id, "a", state="success")
    dag_rows.set_ti(url, dag_id, run_id, "b", state="running", try_number=1)
    path = f"/dags/{dag_id}/dagRuns/{run_id}"
    r = client.patch(path, json={"state": "failed"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "failed" and r.json()["end_date"] is not None
    tis = _tis(client, dag_id, run_id)
    assert {k: t["state"] for k, t in tis.items()} == {
        "a": "success",
        "b": "failed",
        "c": "skipped",
        "d": "skipped",
    }
    dag_rows.set_ti(url, dag_id, run_id, "d", state=None)
    assert client.patch(path, json={"state": "success"}).json()["state"] == "success"
    states = {k: t["state"] for k, t in _tis(client, dag_id, run_id).items()}
    assert states == {"a": "success", "b": "failed", "c": "skipped", "d": "success"}
    assert client.patch(path, json={"state": "running"}).status_code == 400
    assert client.patch(f"/dags/{dag_id}/dagRuns/nope", json={"state": "failed"}).status_code == 404
    events = _events(client, dag_id)
    assert [e["event"] for e in events] == ["dag_run.set_state", "dag_run.set_state"]
    assert '"failed"' in events[0]["extra"]


def test_set_state_queued_clears(client: httpx.Client, server, dag: dict) -> None:
    url, dag_id = server.database_url, dag["dag_id"]
    run_id = dag_rows.insert_run(url, dag, D1, state="failed", start_date=D1, end_date=D2)
    dag_rows.set_ti(url, dag_id, run_id, "a", state="failed", try_number=1)
    r = client.patch(f"/dags/{dag_id}/dagRuns/{run_id}", json={"state": "queued"})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "queued" and r.json()["end_date"] is None
    a = _tis(client, dag_id, run_id)["a"]
    assert a["state"] is None and a["try_number"] == 1 and a["max_tries"] == 1


def test_clear_run_dry_run_then_real(client: httpx.Client, server, dag: dict) -> None:
    url, dag_id = server.database_url, dag["dag_id"]
    run_id = dag_rows.insert_run(url, dag, D1, state="failed", start_date=D1, end_date=D2)
    for t in "abcd":
        dag_rows.set_ti(url, dag_id, run_id, t, state="success", try_number=1)
    dag_rows.set_ti(url, dag_id, run_id, "b", state="failed", try_number=3)
    path = f"/dags/{dag_id}/dagRuns/{run_id}/clear"
    r = client.post(path, json={})
    assert r.status_code == 200, r.text
    assert {t["task_id"] for t in r.json()["task_instances"]} == set("abcd")
    assert _tis(client, dag_id, run_id)["b"]["state"] == "failed"  # dry run changed nothing
    r = client.post(path, json={"dry_run": False})
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "running" and r.json()["end_date"] is None
    tis = _tis(client, dag_id, run_id)
    assert all(t["state"] is None for t in tis.values())
    assert tis["b"]["try_number"] == 3 and tis["b"]["max_tries"] == 5  # try_number + retries
    assert tis["a"]["max_tries"] == 1
    assert client.post(path, json={"dry_run": "maybe"}).status_code == 400
    assert [e["event"] for e in _events(client, dag_id)] == ["dag_run.clear"]


def test_set_note(client: httpx.Client, server, dag: dict) -> None:
    run_id = dag_rows.insert_run(server.database_url, dag, D1)
    path = f"/dags/{dag['dag_id']}/dagRuns/{run_id}/setNote"
    r = client.patch(path, json={"note": "looked at it"})
    assert r.status_code == 200 and r.json()["note"] == "looked at it"
    assert client.patch(path, json={"nota": 1}).status_code == 400
    assert (
        client.patch(f"/dags/{dag['dag_id']}/dagRuns/x/setNote", json={"note": "n"}).status_code
        == 404
    )
    [event] = _events(client, dag["dag_id"])
    assert event["event"] == "dag_run.set_note" and event["owner"] == "admin"


def test_idempotency_key_under_concurrent_retries(server, dag: dict) -> None:
    from concurrent.futures import ThreadPoolExecutor

    path = f"/dags/{dag['dag_id']}/dagRuns"
    key = {"Idempotency-Key": unique("key")}

    def trigger(_: int) -> httpx.Response:
        with server.client() as c:
            return c.post(path, json={"conf": {"n": 1}}, headers=key)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(trigger, range(8)))
    assert [r.status_code for r in answers] == [200] * 8, [r.text for r in answers]
    assert len({r.json()["run_id"] for r in answers}) == 1
    with server.client() as c:
        assert c.get(path).json()["total_entries"] == 1
