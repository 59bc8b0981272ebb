"""A real `crosswind standalone` with the mapped-task DAGs of ./dags (one per backend per
module), driven only through the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from execution.engine_helpers import engine_fixtures
from support.servers import Server

DAGS = Path(__file__).parent / "dags"


engine, api = engine_fixtures(DAGS, "mapping")


@pytest.fixture
def af_api(engine: Server) -> Iterator[httpx.Client]:
    with engine.client(prefix="/airflow/api/v1") as c:
        yield c
