"""Fixtures for the scale-out suite: PostgreSQL, a private Redis, a RabbitMQ vhost.

Outside CI an unreachable service skips the test with the reason; in CI it fails.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from support.cluster import (
    PrivateRedis,
    private_redis,
    rabbit_queue_length,
    rabbit_vhost,
    redis_queue_length,
)
from support.servers import fresh_postgres_database

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
PG_URL = os.environ.get("CROSSWIND_TEST_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CROSSWIND_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
AMQP_URL = os.environ.get("CROSSWIND_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672//")


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url.replace("+psycopg", ""))
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1",
                                       parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database of the test's own."""
    if not reachable(PG_URL, 5432):
        unavailable(f"PostgreSQL unreachable at {PG_URL}")
    with fresh_postgres_database(PG_URL) as url:
        yield url


@pytest.fixture
def redis_broker(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A redis-server of this test's own (restartable without disturbing other tests)."""
    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    with private_redis(tmp_path / "redis") as redis:
        yield redis


@pytest.fixture
def amqp_broker() -> Iterator[tuple[str, str]]:
    """(amqp URL, vhost) of a fresh vhost on the shared RabbitMQ."""
    if not reachable(AMQP_URL, 5672):
        unavailable(f"RabbitMQ unreachable at {AMQP_URL}")
    if shutil.which("rabbitmqctl") is None:
        unavailable("rabbitmqctl is not available to create a vhost")
    with rabbit_vhost(AMQP_URL) as broker:
        yield broker


@pytest.fixture(params=["redis", "rabbitmq"])
def broker(request: pytest.FixtureRequest) -> tuple[str, Callable[[str], int]]:
    """(broker URL, queue length function): the shared Redis of CROSSWIND_TEST_REDIS_URL
    (a unique queue name keeps tests apart) or a fresh RabbitMQ vhost."""
    if request.param == "redis":
        if not reachable(REDIS_URL, 6379):
            unavailable(f"Redis unreachable at {REDIS_URL}")
        return REDIS_URL, lambda queue: redis_queue_length(REDIS_URL, queue)
    url, vhost = request.getfixturevalue("amqp_broker")
    return url, lambda queue: rabbit_queue_length(vhost, queue)
