"""GET .../taskInstances/{task_id}/tries and /tries/{n}, through a real engine: a task that
fails once and then succeeds has two tries, the first up_for_retry, as Airflow lists them."""

from __future__ import annotations

import httpx
import pytest
from engine_helpers import trigger, wait_run

from support.servers import Server


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_tries_list_every_try_of_a_retried_task(engine: Server, api: httpx.Client,
                                                prefix: str) -> None:
    run_id = trigger(api, "e2e_retry")
    assert wait_run(api, "e2e_retry", run_id) == "failed"
    base = f"/dags/e2e_retry/dagRuns/{run_id}/taskInstances"
    with engine.client(prefix=prefix) as c:
        r = c.get(f"{base}/flaky/tries")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total_entries"] == 2
        first, second = body["task_instances"]
        assert (first["try_number"], first["state"]) == (1, "up_for_retry")
        assert (second["try_number"], second["state"]) == (2, "success")
        for t in (first, second):
            assert t["task_id"] == "flaky" and t["dag_run_id"] == run_id
            assert t["map_index"] == -1 and t["operator"] == "PythonOperator"
            assert t["start_date"] and t["end_date"] and t["duration"] >= 0
        assert c.get(f"{base}/flaky/tries/1").json()["state"] == "up_for_retry"
        assert c.get(f"{base}/flaky/tries/2").json() == second
        assert c.get(f"{base}/flaky/tries/3").status_code == 404
        assert c.get(f"{base}/flaky/0/tries").status_code == 404  # not mapped: no index 0
        broken = c.get(f"{base}/broken/tries").json()["task_instances"]
        assert [(t["try_number"], t["state"]) for t in broken] == [(1, "up_for_retry"),
                                                                    (2, "failed")]
        never = c.get(f"{base}/after_broken/tries").json()["task_instances"]
        assert [(t["try_number"], t["state"]) for t in never] == [(0, "upstream_failed")]
        assert c.get(f"{base}/nope/tries").status_code == 404
        page = c.get(f"{base}/flaky/tries", params={"limit": 1, "offset": 1}).json()
        assert page["total_entries"] == 2 and page["task_instances"] == [second]
