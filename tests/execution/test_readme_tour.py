"""The README's quick tour, run as written against a real standalone: author, unpause,
trigger with conf, read the log; then clear and run a task instance on real processes."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from engine_helpers import ENGINE_ENV, database_for, log_text, wait_dag, wait_run, wait_ti

from support.servers import Server

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "hello.py"


@pytest.fixture(scope="module")
def tour(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"tour-{backend}")
    (home / "dags").mkdir()
    shutil.copy(EXAMPLE, home / "dags" / "hello.py")
    env = {**ENGINE_ENV, "CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION": "true"}
    with database_for(backend, home) as url:
        srv = Server(home, url, command="standalone", env=env).start()
        try:
            yield srv
        finally:
            srv.stop()


@pytest.fixture
def api(tour: Server) -> Iterator[httpx.Client]:
    with tour.client() as c:
        yield c


def _run_of_hello(api: httpx.Client) -> str:
    wait_dag(api, "hello")
    assert api.patch("/dags/hello", json={"is_paused": False}).status_code == 200
    r = api.post("/dags/hello/dagRuns", json={"conf": {"word": "hi"}},
                 headers={"Idempotency-Key": "readme-tour"})
    assert r.status_code == 200, r.text
    return r.json()["run_id"]


def test_tour_trigger_and_logs(api: httpx.Client) -> None:
    dag = wait_dag(api, "hello")
    assert dag["is_paused"] is True  # new DAGs start paused, as in Airflow
    assert dag["schedule_interval"] == "@daily"
    run_id = _run_of_hello(api)
    assert wait_run(api, "hello", run_id) == "success"
    log = api.get(f"/dags/hello/dagRuns/{run_id}/taskInstances/greet/logs/1",
                  headers={"Accept": "text/plain"})
    assert log.status_code == 200 and log.headers["content-type"].startswith("text/plain")
    assert "hello 20" in log.text  # "hello {{ ds }}" rendered with the run's date
    xcom = api.get(f"/dags/hello/dagRuns/{run_id}/taskInstances/shout/xcomEntries/return_value")
    assert xcom.status_code == 200 and xcom.json()["value"] == "hi"
    events = api.get("/eventLogs", params={"dag_id": "hello", "limit": 100}).json()["event_logs"]
    assert {"trigger"} <= {e["event"] for e in events}


def test_clear_and_run_rerun_real_tasks(api: httpx.Client) -> None:
    run_id = _run_of_hello(api)  # same Idempotency-Key: the same run comes back
    assert wait_run(api, "hello", run_id) == "success"
    base = f"/dags/hello/dagRuns/{run_id}/taskInstances"

    r = api.post(f"{base}/greet/clear", json={"include_downstream": True})
    assert r.status_code == 200, r.text
    assert api.get(f"/dags/hello/dagRuns/{run_id}").json()["state"] in ("running", "success")
    greet = wait_ti(api, "hello", run_id, "greet", {"success"})
    assert greet["try_number"] == 2
    assert wait_run(api, "hello", run_id) == "success"
    assert wait_ti(api, "hello", run_id, "shout", {"success"})["try_number"] == 2
    assert "hello" in log_text(api, "hello", run_id, "greet", 2)

    r = api.post(f"{base}/shout/run")
    assert r.status_code == 200, r.text
    shout = wait_ti(api, "hello", run_id, "shout", {"success"})
    assert shout["try_number"] == 3
    assert wait_run(api, "hello", run_id) == "success"
