"""POST /connections/test with CROSSWIND_TEST_CONNECTION=enabled: real probes of a real
SQLite file, a real SMTP server (aiosmtpd), the test PostgreSQL, a path; Airflow's
{status, message} answer, and the password never echoed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from aiosmtpd.controller import Controller

from support.databases import postgres_base_url
from support.servers import Server, free_port
from support.smtp_inbox import Inbox


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    home = tmp_path_factory.mktemp("probe")
    srv = Server(home, f"sqlite:///{home / 'crosswind.db'}",
                 env={"CROSSWIND_TEST_CONNECTION": "Enabled"}).start()
    try:
        with srv.client(prefix="/airflow/api/v1") as c:
            yield c
    finally:
        srv.stop()


def _test(client: httpx.Client, **conn: object) -> dict:
    r = client.post("/connections/test", json={"connection_id": "probe", **conn})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"status", "message"}
    return r.json()


def test_sqlite_file_and_path(client: httpx.Client, tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    sqlite3.connect(db).close()
    assert _test(client, conn_type="sqlite", host=str(db)) == {
        "status": True, "message": "Connection successfully tested"}
    missing = _test(client, conn_type="sqlite", host=str(tmp_path / "none.db"))
    assert missing["status"] is False and "none.db" in missing["message"]
    assert _test(client, conn_type="fs", extra=f'{{"path": "{tmp_path}"}}')["status"] is True
    assert _test(client, conn_type="fs", extra='{"path": "/no/such/dir"}')["status"] is False


def test_smtp_server_up_and_down(client: httpx.Client) -> None:
    port = free_port()
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert _test(client, conn_type="smtp", host="127.0.0.1", port=port)["status"] is True
    finally:
        controller.stop()
    assert _test(client, conn_type="smtp", host="127.0.0.1", port=port)["status"] is False


def test_postgres_good_and_bad_password(client: httpx.Client) -> None:
    url = urlsplit(postgres_base_url().replace("+psycopg", ""))
    ok = _test(client, conn_type="postgres", host=url.hostname, port=url.port or 5432,
               login=url.username, schema=url.path.lstrip("/"))
    assert ok["status"] is True, ok
    bad = _test(client, conn_type="postgres", host=url.hostname, port=url.port or 5432,
                login="no_such_role_x", password="pw-never-shown", schema="nope")
    assert bad["status"] is False and "pw-never-shown" not in bad["message"]


def test_unknown_type_and_bad_body(client: httpx.Client) -> None:
    answer = _test(client, conn_type="snowflake")
    assert answer["status"] is False and "snowflake" in answer["message"]
    r = client.post("/connections/test", json={"connection_id": "probe"})
    assert r.status_code == 400
