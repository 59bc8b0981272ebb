"""`crosswind scheduler`: the scheduler with its executor (local: a fork server)."""

from __future__ import annotations

import click

from crosswind.cli.context import settings_and_db
from crosswind.cli.logs import configure as configure_logging
from crosswind.settings import load_settings
from crosswind.store.bootstrap import prepare


@click.command("scheduler")
def scheduler() -> None:
    """Create and run DAG runs and task instances (migrates the database first)."""
    from crosswind.scheduling.loop import run_scheduler

    configure_logging(load_settings(), "INFO")
    settings, db = settings_and_db()
    prepare(db, settings)
    db.dispose()  # nothing open when the executor forks its fork server
    click.echo(f"Crosswind scheduler ({settings.executor} executor, parallelism "
               f"{settings.parallelism})")
    run_scheduler(settings, db)


COMMANDS = [scheduler]
