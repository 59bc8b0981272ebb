"""The Alembic migrations produce exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import crosswind.models  # noqa: F401
from crosswind.db.base import Base
from crosswind.db.engine import Database
from crosswind.db.migrate import migrate
from support.databases import database_for


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_migrations_match_models(backend: str, tmp_path: Path) -> None:
    with database_for(backend, tmp_path) as url:
        db = Database(url)
        try:
            migrate(db.engine)
            migrate(db.engine)  # idempotent
            with db.engine.connect() as conn:
                ctx = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(ctx, Base.metadata)
                tables = set(inspect(conn).get_table_names())
            assert diff == []
            assert set(Base.metadata.tables) <= tables
        finally:
            db.dispose()
