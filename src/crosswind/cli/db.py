"""`crosswind db migrate`."""

from __future__ import annotations

import click

from crosswind.cli.context import settings_and_db
from crosswind.db.migrate import migrate as run_migrations
from crosswind.store.bootstrap import ensure_builtin_roles, ensure_default_pool


@click.group("db")
def group() -> None:
    """The metadata database."""


@group.command("migrate")
def migrate() -> None:
    """Create or upgrade the schema to the newest revision."""
    _, db = settings_and_db()
    run_migrations(db.engine)
    ensure_default_pool(db)
    ensure_builtin_roles(db)
    click.echo("database is up to date")
