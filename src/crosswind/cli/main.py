"""Entry point of the `crosswind` command."""

from __future__ import annotations

import sys

import click

from crosswind.cli import db, server, users
from crosswind.settings import SettingsError
from crosswind.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Crosswind: a fast workflow orchestrator speaking Airflow's REST API."""


@cli.command()
def version() -> None:
    """Print the version."""
    click.echo(__version__)


cli.add_command(db.group)
cli.add_command(users.group)
for command in server.COMMANDS:
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
