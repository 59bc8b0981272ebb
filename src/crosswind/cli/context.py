"""Shared set-up for commands: settings and database, built once per invocation."""

from __future__ import annotations

from crosswind.db.engine import Database
from crosswind.settings import Settings, load_settings


def settings_and_db(pool_size: int = 5) -> tuple[Settings, Database]:
    settings = load_settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    return settings, Database(settings.db_url, pool_size=pool_size)
