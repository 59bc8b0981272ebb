"""End-to-end engine fixtures: a real `crosswind standalone` (API server, DAG processor,
scheduler, fork server, task processes) on a fresh home with the DAG files of ./dags,
plus helpers that drive it only through the REST API."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from engine_helpers import install_dags, running_standalone

from support.servers import Server


@pytest.fixture(scope="module")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"engine-{backend}")
    install_dags(home)
    with running_standalone(backend, home) as srv:
        yield srv


@pytest.fixture
def api(engine: Server) -> Iterator[httpx.Client]:
    with engine.client() as c:
        yield c


