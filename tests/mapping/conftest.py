"""A real `crosswind standalone` with the mapped-task DAGs of ./dags (one per backend per
module), driven only through the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from execution.engine_helpers import copy_dags, running_standalone
from support.servers import Server

DAGS = Path(__file__).parent / "dags"


@pytest.fixture(scope="module")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp(f"mapping-{backend}")
    copy_dags(DAGS, home)
    with running_standalone(backend, home) as srv:
        yield srv


@pytest.fixture
def api(engine: Server) -> Iterator[httpx.Client]:
    with engine.client() as c:
        yield c


@pytest.fixture
def af_api(engine: Server) -> Iterator[httpx.Client]:
    with engine.client(prefix="/airflow/api/v1") as c:
        yield c
