"""Task-instance endpoints in both dialects: lists and filters (`~` wildcards), get, set
state (PATCH, updateTaskInstancesState), notes, clear (seed and clearTaskInstances), run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from support import dag_rows, unique

D1 = datetime(2024, 1, 1, tzinfo=UTC)
D2 = datetime(2024, 1, 2, tzinfo=UTC)
TI_FIELDS = {
    "task_id",
    "task_display_name",
    "dag_id",
    "dag_run_id",
    "run_id",
    "execution_date",
    "logical_date",
    "state",
    "start_date",
    "end_date",
    "duration",
    "try_number",
    "max_tries",
    "map_index",
    "hostname",
    "unixname",
    "pool",
    "pool_slots",
    "queue",
    "priority_weight",
    "operator",
    "queued_when",
    "pid",
    "executor",
    "executor_config",
    "sla_miss",
    "note",
    "rendered_fields",
    "rendered_map_index",
    "trigger",
    "triggerer_job",
}


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


@pytest.fixture
def run(server) -> tuple[dict, str]:
    """A DAG a >> b >> c, a >> d (b has 2 retries) with one running run."""
    dag = dag_rows.new_dag(server.database_url)
    return dag, dag_rows.insert_run(server.database_url, dag, D1, start_date=D1)


def _states(client: httpx.Client, dag_id: str, run_id: str) -> dict[str, dict]:
    r = client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")
    assert r.status_code == 200, r.text
    return {t["task_id"]: t for t in r.json()["task_instances"]}


def _run(client: httpx.Client, dag_id: str, run_id: str) -> dict:
    return client.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()


def _events(client: httpx.Client, dag_id: str) -> list[str]:
    r = client.get("/eventLogs", params={"dag_id": dag_id, "order_by": "event_log_id"})
    return [e["event"] for e in r.json()["event_logs"]]


def test_get_and_fields(client: httpx.Client, server, run) -> None:
    dag, run_id = run
    dag_rows.set_ti(
        server.database_url,
        dag["dag_id"],
        run_id,
        "a",
        state="running",
        try_number=1,
        hostname="h1",
        pid=42,
        start_date=D1,
        rendered_fields={"bash_command": "echo 1"},
    )
    r = client.get(f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances/a")
    assert r.status_code == 200, r.text
    ti = r.json()
    assert set(ti) == TI_FIELDS
    assert ti["dag_run_id"] == ti["run_id"] == run_id
    assert ti["execution_date"] == ti["logical_date"] == D1.isoformat()
    assert (ti["state"], ti["try_number"], ti["hostname"], ti["pid"]) == ("running", 1, "h1", 42)
    assert ti["rendered_fields"] == {"bash_command": "echo 1"} and ti["executor_config"] == "{}"
    assert ti["operator"] == "BashOperator" and ti["pool"] == "default_pool"
    base = f"/dags/{dag['dag_id']}/dagRuns"
    assert client.get(f"{base}/{run_id}/taskInstances/zz").status_code == 404
    assert client.get(f"{base}/nope/taskInstances/a").status_code == 404
    assert client.get(f"{base}/nope/taskInstances").status_code == 404
    assert client.get(f"/dags/{unique('x')}/dagRuns/~/taskInstances").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["a", "b", "c", "d"]),
        ({"state": "success"}, ["a"]),
        ({"state": ["success", "failed"]}, ["a", "b"]),
        ({"state": "none"}, ["c", "d"]),
        ({"state": ["none", "failed"]}, ["b", "c", "d"]),
        ({"duration_gte": 5}, ["b"]),
        ({"duration_lte": 5, "duration_gte": 0}, ["a"]),
        ({"start_date_gte": (D1 + timedelta(minutes=1)).isoformat()}, ["b"]),
        ({"end_date_lte": (D1 + timedelta(minutes=1)).isoformat()}, ["a"]),
        ({"pool": "p2"}, ["d"]),
        ({"queue": "default"}, ["a", "b", "c"]),
        ({"order_by": "-task_id"}, ["d", "c", "b", "a"]),
        ({"order_by": "-task_id", "limit": 2, "offset": 1}, ["c", "b"]),
        ({"execution_date_gte": D2.isoformat()}, []),
    ],
)
def test_list_filters(client: httpx.Client, server, run, params: dict, expected: list) -> None:
    dag, run_id = run
    url, dag_id = server.database_url, dag["dag_id"]
    dag_rows.set_ti(
        url,
        dag_id,
        run_id,
        "a",
        state="success",
        start_date=D1,
        end_date=D1 + timedelta(seconds=2),
        duration=2.0,
    )
    dag_rows.set_ti(
        url,
        dag_id,
        run_id,
        "b",
        state="failed",
        start_date=D1 + timedelta(minutes=5),
        end_date=D1 + timedelta(minutes=6),
        duration=60.0,
    )
    dag_rows.set_ti(url, dag_id, run_id, "d", pool="p2", queue="q2")
    r = client.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params=params)
    assert r.status_code == 200, r.text
    assert [t["task_id"] for t in r.json()["task_instances"]] == expected
    if "limit" not in params:
        assert r.json()["total_entries"] == len(expected)


@pytest.mark.parametrize(
    "params",
    [{"state": "bogus"}, {"order_by": "note"}, {"start_date_gte": "x"}, {"duration_gte": "long"}],
)
def test_list_bad_params(client: httpx.Client, run, params: dict) -> None:
    dag, run_id = run
    r = client.get(f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances", params=params)
    assert r.status_code == 400


def test_wildcards_and_batch_list(client: httpx.Client, server) -> None:
    dag = dag_rows.new_dag(server.database_url)
    r1 = dag_rows.insert_run(server.database_url, dag, D1)
    r2 = dag_rows.insert_run(server.database_url, dag, D2)
    dag_rows.set_ti(server.database_url, dag["dag_id"], r2, "c", state="failed")
    r = client.get(f"/dags/{dag['dag_id']}/dagRuns/~/taskInstances", params={"limit": 100})
    assert r.json()["total_entries"] == 8
    assert {t["run_id"] for t in r.json()["task_instances"]} == {r1, r2}
    r = client.get("/dags/~/dagRuns/~/taskInstances", params={"state": "failed", "limit": 100})
    assert (dag["dag_id"], r2, "c") in {
        (t["dag_id"], t["run_id"], t["task_id"]) for t in r.json()["task_instances"]
    }
    r = client.post(
        "/dags/~/dagRuns/~/taskInstances/list",
        json={"dag_ids": [dag["dag_id"]], "task_ids": ["c"], "order_by": "-execution_date"},
    )
    assert r.status_code == 200, r.text
    assert [(t["run_id"], t["state"]) for t in r.json()["task_instances"]] == [
        (r2, "failed"),
        (r1, None),
    ]
    r = client.post(
        "/dags/~/dagRuns/~/taskInstances/list",
        json={
            "dag_ids": [dag["dag_id"]],
            "state": ["failed"],
            "execution_date_gte": D2.isoformat(),
            "page_limit": 1,
        },
    )
    assert [t["task_id"] for t in r.json()["task_instances"]] == ["c"]
    r = client.post(
        "/dags/~/dagRuns/~/taskInstances/list",
        json={"dag_ids": [dag["dag_id"]], "dag_run_ids": [r1], "page_limit": 2},
    )
    assert r.json()["total_entries"] == 4 and len(r.json()["task_instances"]) == 2
    assert (
        client.post("/dags/~/dagRuns/~/taskInstances/list", json={"state": ["x"]}).status_code
        == 400
    )
    assert client.post("/dags/~/dagRuns/~/taskInstances/list", json={"bogus": 1}).status_code == 400


def test_seed_clear_with_downstream(client: httpx.Client, server, run) -> None:
    dag, run_id = run
    url, dag_id = server.database_url, dag["dag_id"]
    dag_rows.set_run(url, dag_id, run_id, state="failed", end_date=D2)
    dag_rows.set_ti(url, dag_id, run_id, "a", state="success", try_number=1)
    dag_rows.set_ti(url, dag_id, run_id, "b", state="failed", try_number=3, end_date=D2)
    dag_rows.set_ti(url, dag_id, run_id, "c", state="upstream_failed")
    dag_rows.set_ti(url, dag_id, run_id, "d", state="success", try_number=1)
    path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/b/clear"
    r = client.post(path, json={"include_downstream": True})
    assert r.status_code == 200, r.text
    assert r.json()["message"] == "Task instance cleared successfully."
    assert {t["task_id"] for t in r.json()["task_instances"]} == {"b", "c"}
    tis = _states(client, dag_id, run_id)
    assert {k: t["state"] for k, t in tis.items()} == {
        "a": "success",
        "b": None,
        "c": None,
        "d": "success",
    }
    assert (
        tis["b"]["try_number"] == 3 and tis["b"]["max_tries"] == 5 and tis["b"]["end_date"] is None
    )
    assert tis["c"]["max_tries"] == 0
    run_now = _run(client, dag_id, run_id)
    assert run_now["state"] == "running" and run_now["end_date"] is None
    # No body at all: clears just this task instance.
    dag_rows.set_ti(url, dag_id, run_id, "d", state="failed", try_number=2)
    r = client.post(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/d/clear")
    assert r.status_code == 200 and [t["task_id"] for t in r.json()["task_instances"]] == ["d"]
    assert _states(client, dag_id, run_id)["d"]["max_tries"] == 2
    assert _events(client, dag_id) == ["task_instance.clear", "task_instance.clear"]


def test_clear_running_becomes_restarting(client: httpx.Client, server, run) -> None:
    dag, run_id = run
    dag_rows.set_ti(server.database_url, dag["dag_id"], run_id, "a", state="running", try_number=1)
    r = client.post(f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances/a/clear", json={})
    assert r.status_code == 200
    assert _states(client, dag["dag_id"], run_id)["a"]["state"] == "restarting"


def test_clear_errors(client: httpx.Client, run) -> None:
    dag, run_id = run
    base = f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances"
    assert client.post(f"{base}/zz/clear", json={}).status_code == 404
    assert client.post(f"/dags/{dag['dag_id']}/dagRuns/x/taskInstances/a/clear").status_code == 404
    assert client.post(f"{base}/a/clear", json={"include_downstream": "lots"}).status_code == 400
    assert client.post(f"{base}/a/clear", json={"nope": True}).status_code == 400


def test_run_now(client: httpx.Client, server, run) -> None:
    dag, run_id = run
    url, dag_id = server.database_url, dag["dag_id"]
    dag_rows.set_run(url, dag_id, run_id, state="failed", end_date=D2)
    dag_rows.set_ti(url, dag_id, run_id, "b", state="failed", try_number=3)
    path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/b/run"
    r = client.post(path)
    assert r.status_code == 200, r.text
    assert r.json() == {"message": "Task instance triggered to run."}
    b = _states(client, dag_id, run_id)["b"]
    assert (b["state"], b["try_number"], b["max_tries"]) == ("scheduled", 3, 5)
    assert _run(client, dag_id, run_id)["state"] == "running"
    for busy in ("queued", "running"):
        dag_rows.set_ti(url, dag_id, run_id, "b", state=busy)
        r = client.post(path)
        assert r.status_code == 409 and r.json()["status"] == 409
    assert client.post(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/zz/run").status_code == 404
    assert _events(client, dag_id) == ["task_instance.run"]


def test_patch_state_and_dry_run(client: httpx.Client, server, run) -> None:
    dag, run_id = run
    url, dag_id = server.database_url, dag["dag_id"]
    dag_rows.set_run(url, dag_id, run_id, state="failed", end_date=D2)
    dag_rows.set_ti(url, dag_id, run_id, "a", state="failed", try_number=1)
    dag_rows.set_ti(url, dag_id, run_id, "b", state="upstream_failed")
    path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/a"
    r = client.patch(path, json={"new_state": "success"})  # dry_run defaults to true
    assert r.status_code == 200, r.text
    assert r.json()["task_id"] == "a" and r.json()["dag_run_id"] == run_id
    assert _states(client, dag_id, run_id)["a"]["state"] == "failed"
    r = client.patch(path, json={"new_state": "success", "dry_run": False})
    assert r.status_code == 200
    tis = _states(client, dag_id, run_id)
    assert tis["a"]["state"] == "success" and tis["a"]["end_date"] is not None
    assert (
        tis["b"]["state"] is None
    )  # failed downstream resumes (Airflow's set_task_instance_state)
    assert _run(client, dag_id, run_id)["state"] == "running"
    assert client.patch(path, json={"new_state": "running", "dry_run": False}).status_code == 400
    assert client.patch(f"{path}x", json={"new_state": "failed"}).status_code == 404
    assert _events(client, dag_id) == ["task_instance.set_state"]


def test_update_task_instances_state(client: httpx.Client, server) -> None:
    url = server.database_url
    dag = dag_rows.new_dag(url)
    dag_id = dag["dag_id"]
    r1 = dag_rows.insert_run(url, dag, D1)
    r2 = dag_rows.insert_run(url, dag, D2)
    path = f"/dags/{dag_id}/updateTaskInstancesState"
    body = {"task_id": "b", "dag_run_id": r1, "new_state": "failed", "include_downstream": True}
    r = client.post(path, json=body)
    assert r.status_code == 200, r.text
    assert {t["task_id"] for t in r.json()["task_instances"]} == {"b", "c"}
    assert _states(client, dag_id, r1)["b"]["state"] is None
    body |= {"dry_run": False, "include_future": True}
    r = client.post(path, json=body)
    assert {(t["run_id"], t["task_id"]) for t in r.json()["task_instances"]} == {
        (r1, "b"),
        (r1, "c"),
        (r2, "b"),
        (r2, "c"),
    }
    assert _states(client, dag_id, r2)["c"]["state"] == "failed"
    by_date = {
        "task_id": "a",
        "execution_date": D1.isoformat(),
        "new_state": "skipped",
        "dry_run": False,
        "include_upstream": True,
    }
    r = client.post(path, json=by_date)
    assert [t["task_id"] for t in r.json()["task_instances"]] == ["a"]
    assert _states(client, dag_id, r1)["a"]["state"] == "skipped"
    assert client.post(path, json={"task_id": "a", "new_state": "skipped"}).status_code == 400
    assert client.post(path, json={**by_date, "task_id": "zz"}).status_code == 404
    assert (
        client.post(path, json={**by_date, "execution_date": "2020-01-01T00:00:00Z"}).status_code
        == 404
    )
    assert (
        client.post(f"/dags/{unique('x')}/updateTaskInstancesState", json=by_date).status_code
        == 404
    )


def test_clear_task_instances(client: httpx.Client, server) -> None:
    url = server.database_url
    dag = dag_rows.new_dag(url)
    dag_id = dag["dag_id"]
    r1 = dag_rows.insert_run(url, dag, D1, state="failed")
    r2 = dag_rows.insert_run(url, dag, D2, state="failed")
    for r in (r1, r2):
        dag_rows.set_ti(url, dag_id, r, "a", state="success", try_number=1)
        dag_rows.set_ti(url, dag_id, r, "b", state="failed", try_number=1)
    path = f"/dags/{dag_id}/clearTaskInstances"
    r = client.post(path, json={})  # dry run, only_failed by default
    assert r.status_code == 200, r.text
    assert {(t["run_id"], t["task_id"]) for t in r.json()["task_instances"]} == {
        (r1, "b"),
        (r2, "b"),
    }
    assert _states(client, dag_id, r1)["b"]["state"] == "failed"
    r = client.post(
        path,
        json={
            "dry_run": False,
            "dag_run_id": r1,
            "only_failed": False,
            "task_ids": ["b"],
            "include_upstream": True,
        },
    )
    assert {t["task_id"] for t in r.json()["task_instances"]} == {"a", "b"}
    assert {k: t["state"] for k, t in _states(client, dag_id, r1).items()} == {
        "a": None,
        "b": None,
        "c": None,
        "d": None,
    }
    assert _run(client, dag_id, r1)["state"] == "running"
    assert _states(client, dag_id, r2)["b"]["state"] == "failed"
    r = client.post(
        path, json={"dry_run": False, "start_date": D2.isoformat(), "reset_dag_runs": False}
    )
    assert [(t["run_id"], t["task_id"]) for t in r.json()["task_instances"]] == [(r2, "b")]
    assert _run(client, dag_id, r2)["state"] == "failed"  # reset_dag_runs false
    assert client.post(path, json={"task_ids": ["zz"]}).status_code == 404
    assert client.post(path, json={"dag_run_id": "nope"}).status_code == 404
    assert client.post(path, json={"dry_run": "x"}).status_code == 400
    assert _events(client, dag_id) == ["task_instance.clear", "task_instance.clear"]


def test_set_note(client: httpx.Client, run) -> None:
    dag, run_id = run
    path = f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances/a/setNote"
    r = client.patch(path, json={"note": "flaky"})
    assert r.status_code == 200 and r.json()["note"] == "flaky" and r.json()["task_id"] == "a"
    assert client.get(path.removesuffix("/setNote")).json()["note"] == "flaky"
    assert client.patch(path, json={}).status_code == 400
    assert client.patch(path.replace("/a/", "/zz/"), json={"note": "x"}).status_code == 404
    assert _events(client, dag["dag_id"]) == ["task_instance.set_note"]


def test_permissions(server, anon: httpx.Client, make_user, run) -> None:
    dag, run_id = run
    base = f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances"
    assert anon.get(base).status_code == 401
    assert anon.post(f"{base}/a/clear").status_code == 401
    with server.client(auth=make_user("Viewer")) as viewer:
        assert viewer.get(f"{base}/a").status_code == 200
        assert viewer.post(f"{base}/a/clear", json={}).status_code == 403
        assert viewer.post(f"{base}/a/run").status_code == 403
        assert viewer.patch(f"{base}/a", json={"new_state": "success"}).status_code == 403
        assert viewer.post(f"/dags/{dag['dag_id']}/clearTaskInstances", json={}).status_code == 403
    with server.client(auth=make_user("User")) as user:
        assert user.post(f"{base}/a/run").status_code == 200
