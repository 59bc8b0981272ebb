"""`crosswind scheduler`: the scheduler with its executor (local: a fork server)."""

from __future__ import annotations

import logging

import click

from crosswind.cli.context import settings_and_db
from crosswind.store.bootstrap import prepare


@click.command("scheduler")
def scheduler() -> None:
    """Create and run DAG runs and task instances (migrates the database first)."""
    from crosswind.scheduling.loop import run_scheduler

    logging.basicConfig(level=logging.INFO,
                        format="[%(asctime)s] %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its set-up chatter
    settings, db = settings_and_db()
    prepare(db, settings)
    db.dispose()  # nothing open when the executor forks its fork server
    click.echo(f"Crosswind scheduler ({settings.executor} executor, parallelism "
               f"{settings.parallelism})")
    run_scheduler(settings, db)


COMMANDS = [scheduler]
