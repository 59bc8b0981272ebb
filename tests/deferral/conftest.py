"""A real `crosswind standalone` (API server, scheduler, DAG processor, fork server,
triggerer supervisor and triggerer) on a fresh home with the DAG files of ./dags."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.servers import Server

DAGS = Path(__file__).parent / "dags"
ENV = {
    "CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION": "false",
    "CROSSWIND_SCHEDULER_HEARTBEAT_SEC": "0.5",
    "CROSSWIND_TASK_HEARTBEAT_TIMEOUT": "4",
}


def install(home: Path, names: list[str] | None = None) -> None:
    target = home / "dags"
    target.mkdir(parents=True, exist_ok=True)
    for path in DAGS.glob("*.py"):
        if names is None or path.stem in names:
            shutil.copy(path, target / path.name)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("deferral")
    install(home, ["defer_reschedule", "defer_tasks", "waiting_triggers"])
    srv = Server(home, f"sqlite:///{home / 'crosswind.db'}", command="standalone",
                 env=ENV).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def api(engine: Server) -> Iterator[httpx.Client]:
    with engine.client() as c:
        yield c
