"""Shared set-up for commands: settings and database, built once per invocation."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import make_url, text

from crosswind.db.engine import Database
from crosswind.security import SecretBox, load_fernet_key
from crosswind.settings import Settings, load_settings


def settings_and_db(pool_size: int = 5) -> tuple[Settings, Database]:
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings, Database(settings.db_url, pool_size=pool_size)


def existing_db(pool_size: int = 2) -> tuple[Settings, Database]:
    """For verbs that read or change data: the database must already exist. A missing
    SQLite file or an unreachable server stops the command with one line naming it (only
    `db migrate`, `standalone` and `api-server` create a database)."""
    settings = load_settings()
    url = settings.db_url
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1].split("?", 1)[0]
        if path and path != ":memory:" and not Path(path).exists():
            raise click.ClickException(
                f"no database at {path}: run `crosswind db migrate` first")
    db = Database(url, pool_size=pool_size)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any driver error means "not reachable"
        db.dispose()
        safe = make_url(url).render_as_string(hide_password=True)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise click.ClickException(f"cannot reach the database {safe}: {reason}") from None
    return settings, db


def wake_scheduler(db: Database) -> None:
    """Tell the scheduler(s) of this database that something changed (best effort: the
    scheduler polls anyway)."""
    from crosswind.scheduling.wakeup import notifier

    notifier(db.url, db.engine)()


def secret_box(settings: Settings) -> SecretBox:
    """The Fernet box the API uses: the same key, so either side reads the other's values."""
    return SecretBox(load_fernet_key(settings.fernet_key, settings.home))


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
