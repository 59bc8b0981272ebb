"""A real `crosswind standalone` (API server, scheduler, DAG processor, fork server,
triggerer supervisor and triggerer) on a fresh home with the DAG files of ./dags."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from helpers import ENV, install

from support.servers import Server


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
