"""The worker's log server: read-only, signed requests only, nothing outside the logs folder."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cryptography.fernet import Fernet

from crosswind.execution import log_server
from crosswind.settings import Settings, load_settings
from support.servers import free_port

pytestmark = pytest.mark.celery
REL = "dag_id=d/run_id=manual__2024-01-01T00:00:00+00:00/task_id=t/attempt=1.log"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    settings = load_settings(env={}, home=tmp_path / "home", logs_folder=tmp_path / "logs",
                             fernet_key=Fernet.generate_key().decode(),
                             worker_log_server_host="127.0.0.1",
                             worker_log_server_port=free_port())
    log_file = settings.logs_path / REL
    log_file.parent.mkdir(parents=True)
    log_file.write_text("line one\nline two\n")
    (tmp_path / "secret.txt").write_text("not a log")
    server = log_server.serve(settings)
    try:
        yield f"http://127.0.0.1:{settings.worker_log_server_port}/log/", settings
    finally:
        server.shutdown()
        server.server_close()


def _get(base: str, settings: Settings, rel: str, token_for: str | None = None,
         **params: object) -> httpx.Response:
    token = log_server.sign(log_server.signing_key(settings), token_for or rel)
    # safe="": slashes travel encoded, so no client normalises "../" away before the server.
    return httpx.get(base + quote(rel, safe=""), params=params,
                     headers={"Authorization": f"Bearer {token}"})


def test_serves_a_log_with_offset_and_limit(served: tuple[str, Settings]) -> None:
    base, settings = served
    assert _get(base, settings, REL).content == b"line one\nline two\n"
    assert _get(base, settings, REL, offset=5, limit=3).content == b"one"
    assert _get(base, settings, REL.replace("attempt=1", "attempt=2")).status_code == 404


def test_refuses_unsigned_foreign_and_expired_tokens(served: tuple[str, Settings]) -> None:
    base, settings = served
    assert httpx.get(base + quote(REL)).status_code == 403
    assert _get(base, settings, REL, token_for="other.log").status_code == 403
    old = log_server.sign(log_server.signing_key(settings), REL,
                          now=time.time() - 3 * log_server.TOKEN_TTL)
    resp = httpx.get(base + quote(REL), headers={"Authorization": f"Bearer {old}"})
    assert resp.status_code == 403
    other_key = log_server.sign(b"x" * 32, REL)
    resp = httpx.get(base + quote(REL), headers={"Authorization": f"Bearer {other_key}"})
    assert resp.status_code == 403


@pytest.mark.parametrize("rel", ["../secret.txt", "dag_id=d/../../secret.txt", "/etc/hostname"])
def test_never_serves_outside_the_logs_folder(served: tuple[str, Settings], rel: str) -> None:
    base, settings = served
    resp = _get(base, settings, rel)  # even correctly signed
    assert resp.status_code == 400
    assert b"not a log" not in resp.content


def test_a_symlink_out_of_the_logs_folder_is_refused(
    served: tuple[str, Settings], tmp_path: Path
) -> None:
    base, settings = served
    (settings.logs_path / "escape.log").symlink_to(tmp_path / "secret.txt")
    resp = _get(base, settings, "escape.log")
    assert resp.status_code == 400 and b"not a log" not in resp.content
