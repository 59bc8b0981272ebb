"""Shared set-up for commands: settings and database, built once per invocation."""

from __future__ import annotations

import click

from crosswind.db.engine import Database
from crosswind.settings import Settings, load_settings


def settings_and_db(pool_size: int = 5) -> tuple[Settings, Database]:
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings, Database(settings.db_url, pool_size=pool_size)


def prepared_server_settings(generate_admin: bool) -> Settings:
    """For the serving commands: migrate and bootstrap the database (announcing a generated
    admin password once), then close the connections before anything forks."""
    from crosswind.store.bootstrap import prepare

    settings, db = settings_and_db()
    generated = prepare(db, settings, generate_admin=generate_admin)
    db.dispose()
    if generated:
        click.echo(f"created admin user {generated[0]!r} with password {generated[1]!r} "
                   "(shown once)")
    return settings
