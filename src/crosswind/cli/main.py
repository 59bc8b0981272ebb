"""Entry point of the `crosswind` command."""

from __future__ import annotations

import sys

import click

from crosswind.cli import dag_processor, dags, db, scheduler, server, standalone, users, worker
from crosswind.settings import SettingsError, load_settings
from crosswind.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Crosswind: a fast workflow orchestrator speaking Airflow's REST API."""
    # Validate the settings before any command runs, so a bad value stops every command
    # (even `version`) with one line naming it, not later with a traceback.
    load_settings()


@cli.command()
def version() -> None:
    """Print the version."""
    click.echo(__version__)


cli.add_command(db.group)
cli.add_command(users.group)
cli.add_command(dags.group)
cli.add_command(dag_processor.dag_processor)
for command in [*server.COMMANDS, *scheduler.COMMANDS, *standalone.COMMANDS, *worker.COMMANDS]:
    cli.add_command(command)


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except SettingsError as exc:
        click.echo(f"crosswind: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
