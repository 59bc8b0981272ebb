"""Start real Crosswind processes on free ports against real databases.

PostgreSQL: each server gets a database of its own, created from CROSSWIND_TEST_DATABASE_URL
and dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ADMIN = ("admin", "admin-pass-123")
PG_ENV = "CROSSWIND_TEST_DATABASE_URL"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def fresh_postgres_database(base_url: str) -> Iterator[str]:
    """Yield the URL of a new, empty database on the server of `base_url`; drop it after."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(base_url)
    name = f"cw_{uuid.uuid4().hex[:12]}"
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """A `crosswind` server subprocess (api-server by default, or standalone)."""

    def __init__(self, home: Path, database_url: str, *, command: str = "api-server",
                 env: dict[str, str] | None = None) -> None:
        self.home = home
        self.database_url = database_url
        self.command = command
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = home / f"server-{self.port}.log"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")}
        env.update(
            CROSSWIND_HOME=str(self.home),
            CROSSWIND_DATABASE_URL=self.database_url,
            CROSSWIND_ADMIN_USERNAME=ADMIN[0],
            CROSSWIND_ADMIN_PASSWORD=ADMIN[1],
            # Stopping a test server stops its running tries at once (as before graceful
            # shutdown); tests of the shutdown itself set their own grace.
            CROSSWIND_SHUTDOWN_GRACE_SECONDS="0",
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30) -> Server:
        self.home.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crosswind", self.command, "--port", str(self.port)],
            env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server not healthy in {timeout}s: {self.log_path.read_text()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def restart(self) -> Server:
        self.stop()
        return self.start()

    def client(self, auth: tuple[str, str] | None = ADMIN, prefix: str = "/api/v1",
               **kw: object) -> httpx.Client:
        return httpx.Client(base_url=self.url + prefix, auth=auth, timeout=30, **kw)

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
