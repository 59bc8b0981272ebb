"""`crosswind triggerer`: runs the triggers of deferred tasks (several may run at once)."""

from __future__ import annotations

import click

from crosswind.cli.context import settings_and_db
from crosswind.cli.logs import configure as configure_logging
from crosswind.settings import load_settings
from crosswind.store.bootstrap import prepare


@click.command("triggerer")
@click.option("--idle-exit", type=float, default=None,
              help="Exit after this many seconds with no trigger to run (standalone uses it).")
@click.option("--quiet", is_flag=True, help="Log warnings and errors only.")
def triggerer(idle_exit: float | None, quiet: bool) -> None:
    """Run deferred tasks' triggers on one asyncio loop (migrates the database first)."""
    from crosswind.triggerer.runner import run_triggerer

    configure_logging(load_settings(), "WARNING" if quiet else "INFO")
    settings, db = settings_and_db(pool_size=2)
    prepare(db, settings)
    if not quiet:
        click.echo(f"Crosswind triggerer (capacity {settings.triggerer_capacity})")
    run_triggerer(settings, db, idle_exit=idle_exit)


COMMANDS = [triggerer]
