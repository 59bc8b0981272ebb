"""Helpers that drive a running engine only through the REST API."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from support.databases import database_for
from support.servers import Server

DAGS = Path(__file__).parent / "dags"
ENGINE_ENV = {
    "CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION": "false",
    "CROSSWIND_SCHEDULER_HEARTBEAT_SEC": "0.5",
    "CROSSWIND_TASK_HEARTBEAT_TIMEOUT": "4",
}


def install_dags(home: Path) -> None:
    copy_dags(DAGS, home)


def copy_dags(folder: Path, home: Path) -> None:
    """The DAG files of `folder` into `home`'s DAGs folder."""
    target = home / "dags"
    target.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.py"):
        shutil.copy(path, target / path.name)


@contextmanager
def running_standalone(backend: str, home: Path, env: dict[str, str] | None = None
                       ) -> Iterator[Server]:
    """A real `crosswind standalone` over `home` on a fresh database of `backend`, with
    the engine test settings (ENGINE_ENV, then `env`); stopped at the end. The engine
    fixture of every end-to-end test module is this, around DAG files of its own."""
    with database_for(backend, home) as url:
        srv = Server(home, url, command="standalone", env={**ENGINE_ENV, **(env or {})}).start()
        try:
            yield srv
        finally:
            srv.stop()


def engine_fixtures(dags: Path, name: str) -> tuple[Any, Any]:
    """The usual pair of an end-to-end test module: `engine`, one `running_standalone()`
    over the DAG files of `dags` per backend per module, and `api`, a client of it.
    Use as `engine, api = engine_fixtures(DAGS, "name")` at module level."""

    @pytest.fixture(scope="module")
    def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
        home = tmp_path_factory.mktemp(f"{name}-{backend}")
        copy_dags(dags, home)
        with running_standalone(backend, home) as srv:
            yield srv

    @pytest.fixture
    def api(engine: Server) -> Iterator[httpx.Client]:
        with engine.client() as c:
            yield c

    return engine, api


def wait_dag(api: httpx.Client, dag_id: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = api.get(f"/dags/{dag_id}")
        if r.status_code == 200:
            return r.json()
        time.sleep(0.05)
    raise AssertionError(f"DAG {dag_id} never appeared")


def trigger(api: httpx.Client, dag_id: str, conf: dict | None = None) -> str:
    wait_dag(api, dag_id)
    r = api.patch(f"/dags/{dag_id}", json={"is_paused": False})
    assert r.status_code == 200, r.text
    r = api.post(f"/dags/{dag_id}/dagRuns", json={"conf": conf or {}})
    assert r.status_code == 200, r.text
    return r.json()["dag_run_id"]


def wait_run(api: httpx.Client, dag_id: str, run_id: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = api.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
        if state in ("success", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"run {dag_id}/{run_id} not finished in {timeout}s: "
                         f"{task_states(api, dag_id, run_id)}")


def task_instances(api: httpx.Client, dag_id: str, run_id: str) -> dict[str, dict]:
    r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
    assert r.status_code == 200, r.text
    return {ti["task_id"]: ti for ti in r.json()["task_instances"]}


def task_states(api: httpx.Client, dag_id: str, run_id: str) -> dict[str, str | None]:
    return {t: ti["state"] for t, ti in task_instances(api, dag_id, run_id).items()}


def wait_ti(api: httpx.Client, dag_id: str, run_id: str, task_id: str, states: set[str],
            timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ti = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}").json()
        if ti["state"] in states:
            return ti
        time.sleep(0.05)
    raise AssertionError(f"{task_id} never reached {states}: {ti}")


def log_text(api: httpx.Client, dag_id: str, run_id: str, task_id: str, try_number: int) -> str:
    r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
                params={"full_content": "true"})
    assert r.status_code == 200, r.text
    return r.json()["content"]
