"""Databases for test servers: SQLite files, and fresh PostgreSQL databases when
CROSSWIND_TEST_DATABASE_URL is set (skipped with a visible reason otherwise, and a hard
failure in CI, where .ci/run sets it). Test modules import these from here, not from
conftest (several folders have a conftest.py; which one `import conftest` finds depends on
what ran first)."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest

from support.servers import PG_ENV, fresh_postgres_database

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def postgres_base_url() -> str:
    url = os.environ.get(PG_ENV)
    if not url:
        if IN_CI:
            pytest.fail(f"{PG_ENV} must be set in CI")
        pytest.skip(f"PostgreSQL tests need {PG_ENV}, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test")
    return url


def database_for(backend: str, home: Path) -> AbstractContextManager[str]:
    """A context giving a fresh database URL of `backend`."""
    if backend == "postgres":
        return fresh_postgres_database(postgres_base_url())
    return nullcontext(f"sqlite:///{home / 'crosswind.db'}")
