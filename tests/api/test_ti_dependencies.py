"""GET .../taskInstances/{task_id}/dependencies and /links (both dialects): the scheduler's
reasons a task instance waits, in Airflow's shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from support import dag_rows, unique

PREFIXES = ["/api/v1", "/airflow/api/v1"]
D1 = datetime(2026, 1, 1, tzinfo=UTC)


def _deps(c: httpx.Client, dag_id: str, run_id: str, task_id: str) -> dict[str, str]:
    r = c.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/dependencies")
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"dependencies"}
    names = [d["name"] for d in body["dependencies"]]
    assert names == sorted(names)
    return {d["name"]: d["reason"] for d in body["dependencies"]}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_reasons_a_task_waits(server, api: httpx.Client, prefix: str) -> None:
    url = server.database_url
    dag = dag_rows.new_dag(url, "deps")  # a >> b >> c, a >> d; paused
    dag_id = dag["dag_id"]
    run_id = dag_rows.insert_run(url, dag, D1)
    with server.client(prefix=prefix) as c:
        assert _deps(c, dag_id, run_id, "a").keys() == {"Dag Not Paused"}
        waiting = _deps(c, dag_id, run_id, "b")
        assert waiting.keys() == {"Dag Not Paused", "Trigger Rule"}
        assert "all_success" in waiting["Trigger Rule"] and "a" in waiting["Trigger Rule"]

        api.patch(f"/dags/{dag_id}", json={"is_paused": False})
        assert _deps(c, dag_id, run_id, "a") == {}
        dag_rows.set_ti(url, dag_id, run_id, "a", state="success")
        assert _deps(c, dag_id, run_id, "b") == {}  # upstream done: nothing holds it

        dag_rows.set_run(url, dag_id, run_id, state="queued")
        assert "'queued'" in _deps(c, dag_id, run_id, "b")["Dagrun Running"]
        dag_rows.set_run(url, dag_id, run_id, state="running")

        later = datetime.now(UTC) + timedelta(hours=1)
        dag_rows.set_ti(url, dag_id, run_id, "b", state="up_for_retry", next_retry_at=later)
        retry = _deps(c, dag_id, run_id, "b")
        assert retry.keys() == {"Not In Retry Period"} and later.isoformat()[:16] in \
            retry["Not In Retry Period"]
        assert _deps(c, dag_id, run_id, "a") == {}  # success: nothing to wait for


def test_pool_missing_or_full(server, api: httpx.Client) -> None:
    url = server.database_url
    dag = dag_rows.new_dag(url, "pooldeps")
    dag_id = dag["dag_id"]
    run_id = dag_rows.insert_run(url, dag, D1)
    api.patch(f"/dags/{dag_id}", json={"is_paused": False})
    dag_rows.set_ti(url, dag_id, run_id, "a", state="scheduled", pool="no_such_pool")
    assert "does not exist" in _deps(api, dag_id, run_id, "a")["Pool Slots Available"]
    pool = unique("p")
    assert api.post("/pools", json={"name": pool, "slots": 1}).status_code == 200
    dag_rows.set_ti(url, dag_id, run_id, "a", state="running", pool=pool)
    dag_rows.set_ti(url, dag_id, run_id, "d", state="scheduled", pool=pool)
    full = _deps(api, dag_id, run_id, "d")
    assert full.keys() == {"Pool Slots Available"} and "0 open slots of 1" in \
        full["Pool Slots Available"]
    api.patch(f"/pools/{pool}", json={"slots": 2})
    assert _deps(api, dag_id, run_id, "d") == {}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_unknown_task_instance_is_404_and_links_are_empty(server, prefix: str) -> None:
    url = server.database_url
    dag = dag_rows.new_dag(url, "links")
    run_id = dag_rows.insert_run(url, dag, D1)
    base = f"/dags/{dag['dag_id']}/dagRuns/{run_id}/taskInstances"
    with server.client(prefix=prefix) as c:
        assert c.get(f"{base}/nope/dependencies").status_code == 404
        assert c.get(f"{base}/a/3/dependencies").status_code == 404
        assert c.get(f"{base}/a/links").json() == {}
        assert c.get(f"{base}/a/links", params={"map_index": 2}).status_code == 404
        assert c.get(f"{base}/nope/links").status_code == 404
