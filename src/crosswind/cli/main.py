"""Entry point of the `crosswind` command.

Command modules are imported only when their command runs (each pulls in a different
stack: Alembic, argon2, Celery, croniter...): every process start pays for one, not all.
"""

from __future__ import annotations

import importlib
import sys

import click

from crosswind.settings import SettingsError, load_settings
from crosswind.version import __version__

# command name -> (module, attribute)
LAZY_COMMANDS = {
    "db": ("crosswind.cli.db", "group"),
    "users": ("crosswind.cli.users", "group"),
    "roles": ("crosswind.cli.roles", "group"),
    "variables": ("crosswind.cli.variables", "group"),
    "pools": ("crosswind.cli.pools", "group"),
    "connections": ("crosswind.cli.connections", "group"),
    "config": ("crosswind.cli.config", "group"),
    "info": ("crosswind.cli.info", "info"),
    "cheat-sheet": ("crosswind.cli.cheat_sheet", "cheat_sheet"),
    "dags": ("crosswind.cli.dags", "group"),
    "tasks": ("crosswind.cli.tasks", "group"),
    "dag-processor": ("crosswind.cli.dag_processor", "dag_processor"),
    "api-server": ("crosswind.cli.server", "api_server"),
    "scheduler": ("crosswind.cli.scheduler", "scheduler"),
    "standalone": ("crosswind.cli.standalone", "standalone"),
    "triggerer": ("crosswind.cli.triggerer", "triggerer"),
    "worker": ("crosswind.cli.worker", "worker"),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[cmd_name]
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Crosswind: a fast workflow orchestrator speaking Airflow's REST API."""
    # Validate the settings before any command runs, so a bad value stops every command
    # (even `version`) with one line naming it, not later with a traceback.
    load_settings()


@cli.command()
def version() -> None:
    """Print the version."""
    click.echo(__version__)




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
    except Exception as exc:
        # A database that is unreachable or wrong (no driver, not Crosswind's schema) is one
        # line naming it, password hidden, not a traceback; anything else is a bug: raise.
        from sqlalchemy.exc import SQLAlchemyError

        if not isinstance(exc, SQLAlchemyError) and not _missing_driver(exc):
            raise
        click.echo(f"crosswind: {database_problem(exc)}", err=True)
        sys.exit(1)


def _missing_driver(exc: BaseException) -> bool:
    """A ModuleNotFoundError raised while SQLAlchemy loaded the URL's driver."""
    import traceback

    return isinstance(exc, ModuleNotFoundError) and any(
        "sqlalchemy/dialects" in f.filename for f in traceback.extract_tb(exc.__traceback__))


def database_problem(exc: BaseException) -> str:
    from sqlalchemy import make_url

    url = load_settings().db_url
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - not even a URL: show only its scheme
        shown = url.split(":", 1)[0] + ":..."
    text = str(getattr(exc, "orig", None) or exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, ModuleNotFoundError):
        reason = f"its driver is not installed ({reason})"
    elif "no such table" in reason or "does not exist" in reason:
        reason += " (not a Crosswind database yet? `crosswind db migrate` creates the tables)"
    return f"cannot use the database {shown}: {reason}"
