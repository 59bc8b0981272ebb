"""Fixtures: a real server per database backend, clients, users.

Backends: `sqlite` always; `postgres` when CROSSWIND_TEST_DATABASE_URL is set (skipped with a
visible reason otherwise, and a hard failure in CI, where .ci/run sets it).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import pytest

from support import unique
from support.databases import database_for
from support.servers import Server

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One API server per backend per test process; tests use unique names."""
    home = tmp_path_factory.mktemp(f"home-{backend}")
    with database_for(backend, home) as url:
        srv = Server(home, url).start()
        try:
            yield srv
        finally:
            srv.stop()


@pytest.fixture
def make_server(tmp_path: Path, backend: str) -> Iterator[Callable[..., Server]]:
    """Factory for servers of a test's own (restarts, kills); all stopped at the end."""
    started: list[tuple[Server, AbstractContextManager[str]]] = []

    def make(**kw: object) -> Server:
        home = tmp_path / f"home{len(started)}"
        ctx = database_for(backend, home)
        url = ctx.__enter__()
        srv = Server(home, url, **kw)  # type: ignore[arg-type]
        started.append((srv, ctx))
        return srv.start()

    yield make
    for srv, ctx in reversed(started):
        srv.stop()
        ctx.__exit__(None, None, None)


@pytest.fixture
def api(server: Server) -> Iterator[httpx.Client]:
    """Admin client for the seed dialect."""
    with server.client() as c:
        yield c


@pytest.fixture
def af_api(server: Server) -> Iterator[httpx.Client]:
    """Admin client for Airflow's dialect."""
    with server.client(prefix="/airflow/api/v1") as c:
        yield c


@pytest.fixture
def anon(server: Server) -> Iterator[httpx.Client]:
    with server.client(auth=None) as c:
        yield c


@pytest.fixture
def make_user(api: httpx.Client) -> Iterator[Callable[..., tuple[str, str]]]:
    """Create users of a role through the API; returns (username, password); deleted after."""
    created: list[str] = []

    def make(role: str = "Op", *, active: bool = True) -> tuple[str, str]:
        name, password = unique(role.lower()), "pw-" + uuid.uuid4().hex
        body = {"username": name, "email": f"{name}@example.com", "password": password,
                "roles": [{"name": role}], "is_active": active,
                "first_name": "T", "last_name": "User"}
        r = api.post("/users", json=body)
        assert r.status_code == 200, r.text
        created.append(name)
        return name, password

    yield make
    for name in created:
        api.delete(f"/users/{name}")

