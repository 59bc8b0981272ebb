from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from cli_run import Cli

from crosswind.db.engine import Database
from crosswind.settings import load_settings
from crosswind.store.bootstrap import prepare
from support.databases import database_for


def _prepared(home: Path, url: str) -> Cli:
    """A migrated, bootstrapped database (default pool), as `db migrate` leaves it."""
    db = Database(url, pool_size=1)
    prepare(db, load_settings({"CROSSWIND_HOME": str(home), "CROSSWIND_DATABASE_URL": url}))
    db.dispose()
    return Cli(home, url)


@pytest.fixture(params=["sqlite", "postgres"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Cli]:
    with database_for(request.param, tmp_path) as url:
        yield _prepared(tmp_path, url)


@pytest.fixture
def sqlite_cli(tmp_path: Path) -> Iterator[Cli]:
    url = f"sqlite:///{tmp_path / 'crosswind.db'}"
    yield _prepared(tmp_path, url)
