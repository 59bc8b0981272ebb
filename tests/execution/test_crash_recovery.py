"""Crash safety with the components as separate processes (api-server, dag-processor,
scheduler): kill -9 of the scheduler mid-run and of a task process mid-run, then recovery
with nothing lost or run twice (task_tries and try numbers tell)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from engine_helpers import (
    ENGINE_ENV,
    database_for,
    install_dags,
    log_text,
    task_instances,
    trigger,
    wait_run,
    wait_ti,
)
from sqlalchemy import create_engine, text

from support.servers import Server


class Component:
    """`crosswind <command>` as its own process group, sharing the server's settings."""

    def __init__(self, server: Server, command: str) -> None:
        self.server, self.command = server, command
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Component:
        log = open(self.server.home / f"{self.command}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "crosswind", self.command],
                                     env=self.server.env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def kill9(self) -> None:
        """SIGKILL the command's whole process group (scheduler + its fork server), as a
        machine crash would; task processes have their own sessions and survive."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def make_cluster(backend: str, tmp_path: Path) -> Iterator:
    started: list[Component | Server] = []
    contexts = []

    def make(**env: str) -> tuple[Server, Component]:
        home = tmp_path / f"home{len(contexts)}"
        install_dags(home)
        ctx = database_for(backend, home)
        contexts.append(ctx)
        server = Server(home, ctx.__enter__(), env={**ENGINE_ENV, **env}).start()
        started.append(server)
        started.append(Component(server, "dag-processor").start())
        scheduler = Component(server, "scheduler").start()
        started.append(scheduler)
        return server, scheduler

    yield make
    for part in reversed(started):
        part.stop()
    for ctx in contexts:
        ctx.__exit__(None, None, None)


@pytest.fixture
def cluster(make_cluster) -> tuple[Server, Component]:
    return make_cluster()


def wait_log(api: httpx.Client, dag_id: str, run_id: str, task_id: str, text: str) -> None:
    deadline = time.monotonic() + 20
    while text not in log_text(api, dag_id, run_id, task_id, 1):
        assert time.monotonic() < deadline, f"{text!r} never logged"
        time.sleep(0.05)


def wait_healthy(api: httpx.Client) -> None:
    deadline = time.monotonic() + 30
    while api.get("/health").json()["scheduler"]["status"] != "healthy":
        assert time.monotonic() < deadline, "scheduler never became healthy"
        time.sleep(0.05)


def tries(server: Server, dag_id: str) -> list[tuple[str, int, str | None]]:
    engine = create_engine(server.database_url)
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(text(
                "SELECT task_id, try_number, state FROM task_tries WHERE dag_id = :d "
                "ORDER BY task_id, try_number"), {"d": dag_id})]
    finally:
        engine.dispose()


def test_kill_scheduler_mid_run_loses_and_duplicates_nothing(cluster):
    server, scheduler = cluster
    with server.client() as api:
        run_id = trigger(api, "e2e_slow")
        wait_ti(api, "e2e_slow", run_id, "slow", {"running"})
        wait_log(api, "e2e_slow", run_id, "slow", "Starting attempt 1")  # really running
        scheduler.kill9()
        time.sleep(0.5)
        scheduler.start()
        assert wait_run(api, "e2e_slow", run_id) == "success", (
            tries(server, "e2e_slow"), log_text(api, "e2e_slow", run_id, "slow", 1))
        ti = task_instances(api, "e2e_slow", run_id)["slow"]
        assert (ti["state"], ti["try_number"]) == ("success", 1)
    assert tries(server, "e2e_slow") == [("slow", 1, "success")]


def test_kill_task_process_mid_run_is_retried(cluster):
    server, _ = cluster
    with server.client() as api:
        run_id = trigger(api, "e2e_victim")
        ti = wait_ti(api, "e2e_victim", run_id, "victim", {"running"})
        wait_log(api, "e2e_victim", run_id, "victim", "pid-ready")
        # The fork server records the pid with its next batch of writes, which may land
        # just after the task has logged; poll for it rather than read it once.
        deadline = time.monotonic() + 30
        while (pid := api.get(f"/dags/e2e_victim/dagRuns/{run_id}/taskInstances/victim")
               .json()["pid"]) is None:
            assert time.monotonic() < deadline, "the running try never got a pid"
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)
        assert wait_run(api, "e2e_victim", run_id) == "success"
        ti = task_instances(api, "e2e_victim", run_id)["victim"]
        assert (ti["state"], ti["try_number"]) == ("success", 2)
    assert tries(server, "e2e_victim") == [("victim", 1, "up_for_retry"),
                                           ("victim", 2, "success")]


def test_api_trigger_wakes_the_scheduler(make_cluster):
    """With the safety-net poll set to 120 s, a triggered run can only finish within the
    wait below if the API's wake-up signal reached the scheduler."""
    server, _ = make_cluster(CROSSWIND_SCHEDULER_HEARTBEAT_SEC="120",
                             CROSSWIND_TASK_HEARTBEAT_TIMEOUT="600")
    with server.client() as api:
        wait_healthy(api)
        time.sleep(1)  # the scheduler is now asleep in its long poll
        for _ in range(2):  # the second run needs the wake-up of the first one's task exit
            run_id = trigger(api, "e2e_basic")
            assert wait_run(api, "e2e_basic", run_id, timeout=60) == "success"


def test_scheduler_stops_cleanly_on_sigterm(cluster):
    server, scheduler = cluster
    with server.client() as api:
        wait_healthy(api)
    assert scheduler.proc is not None
    os.killpg(scheduler.proc.pid, signal.SIGTERM)
    assert scheduler.proc.wait(timeout=15) == 0
