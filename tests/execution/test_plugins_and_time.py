"""Custom timetables and macros from a plugins folder, and DAG time zones, end to end: a
real standalone with the DAG files and plugin of ./plugin_home."""

from __future__ import annotations

import ast
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from engine_helpers import (
    log_text,
    running_standalone,
    wait_dag,
    wait_run,
)

from support.servers import Server

HOME = Path(__file__).parent / "plugin_home"


@pytest.fixture(scope="module")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"plugins-{backend}")
    shutil.copytree(HOME / "dags", home / "dags")
    shutil.copytree(HOME / "plugins", home / "plugins")  # the default plugins folder
    with running_standalone(backend, home) as srv:
        yield srv


@pytest.fixture
def api(engine: Server) -> Iterator[httpx.Client]:
    with engine.client() as c:
        yield c


def import_errors(api: httpx.Client, timeout: float = 30) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        errors = {Path(e["filename"]).name: e["stack_trace"]
                  for e in api.get("/importErrors").json()["import_errors"]}
        if len(errors) >= 2 or time.monotonic() > deadline:
            return errors
        time.sleep(0.1)


def trigger_at(api: httpx.Client, dag_id: str, logical_date: str) -> dict:
    wait_dag(api, dag_id)
    assert api.patch(f"/dags/{dag_id}", json={"is_paused": False}).status_code == 200
    r = api.post(f"/dags/{dag_id}/dagRuns", json={"logical_date": logical_date})
    assert r.status_code == 200, r.text
    return r.json()


def xcom(api: httpx.Client, dag_id: str, run_id: str, task_id: str):
    r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/"
                "return_value")
    assert r.status_code == 200, r.text
    value = r.json()["value"]
    return ast.literal_eval(value) if isinstance(value, str) else value  # str() as Airflow's


def test_a_plugin_timetable_schedules_and_infers_manual_intervals(api: httpx.Client):
    dag = wait_dag(api, "custom_schedule")
    assert dag["timetable_description"] == "Weekdays at 06:00 UTC"
    assert dag["schedule_interval"] == "weekday mornings"
    # 2099-01-01 is a Thursday: the first interval is Thursday 06:00 to Friday 06:00.
    deadline = time.monotonic() + 20
    while dag["next_dagrun"] is None and time.monotonic() < deadline:
        time.sleep(0.1)
        dag = api.get("/dags/custom_schedule").json()
    assert dag["next_dagrun"].startswith("2099-01-01T06:00:00")
    assert dag["next_dagrun_create_after"].startswith("2099-01-02T06:00:00")
    # A manual run on a Sunday covers the last complete weekday interval (Thu -> Fri).
    run = trigger_at(api, "custom_schedule", "2024-03-10T12:00:00+00:00")
    assert run["data_interval_start"].startswith("2024-03-07T06:00:00")
    assert run["data_interval_end"].startswith("2024-03-08T06:00:00")
    assert wait_run(api, "custom_schedule", run["dag_run_id"]) == "success"
    log = log_text(api, "custom_schedule", run["dag_run_id"], "echo", 1)
    assert "HI! 2024-03-10 2024-03-07 06:00:00+00:00 2024-03-13" in log  # str() as on Airflow
    assert xcom(api, "custom_schedule", run["dag_run_id"], "kinds") == dict.fromkeys(
        ("logical_date", "data_interval_start", "data_interval_end"), "pendulum.datetime.DateTime")


def test_a_timetable_that_raises_or_is_not_registered_is_an_import_error(api: httpx.Client):
    errors = import_errors(api)
    assert "Timetable team_plugin.AlwaysBroken failed" in errors["broken_schedule.py"]
    assert "the calendar service is down" in errors["broken_schedule.py"]
    assert "is not registered" in errors["unregistered_schedule.py"]
    assert api.get("/dags/broken_schedule").status_code == 404
    assert api.get("/health").json()["scheduler"]["status"] == "healthy"


def test_the_dag_time_zone_reaches_the_task(api: httpx.Client):
    wait_dag(api, "amsterdam")
    assert api.get("/dags/amsterdam/details").json()["timezone"] == "Europe/Amsterdam"
    run = trigger_at(api, "amsterdam", "2024-07-01T10:00:00+00:00")
    assert wait_run(api, "amsterdam", run["dag_run_id"]) == "success"
    assert xcom(api, "amsterdam", run["dag_run_id"], "when") == {
        "tz": "Europe/Amsterdam", "ts": "2024-07-01T10:00:00+00:00",
        "local": "2024-07-01T12:00:00+02:00"}
    # The manual run's interval is the last complete local 02:30 -> 02:30 day.
    assert run["data_interval_start"].startswith("2024-06-30T00:30:00")
    assert run["data_interval_end"].startswith("2024-07-01T00:30:00")
