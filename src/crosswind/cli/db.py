"""`crosswind db migrate|check|reset|clean`, as Airflow 2's `airflow db`."""

from __future__ import annotations

import click
from sqlalchemy import text

from crosswind.cli.args import parse_date
from crosswind.cli.context import existing_db, settings_and_db
from crosswind.cli.output import ask_yesno
from crosswind.db.migrate import migrate as run_migrations
from crosswind.store.bootstrap import ensure_builtin_roles, ensure_default_pool


@click.group("db")
def group() -> None:
    """The metadata database."""


def _migrate(db: object) -> None:
    run_migrations(db.engine)  # type: ignore[attr-defined]
    ensure_default_pool(db)  # type: ignore[arg-type]
    ensure_builtin_roles(db)  # type: ignore[arg-type]


@group.command("migrate")
def migrate() -> None:
    """Create or upgrade the schema to the newest revision."""
    _, db = settings_and_db()
    _migrate(db)
    click.echo("database is up to date")


@group.command("check")
def check() -> None:
    """Check that the database answers (one line saying why when it does not)."""
    existing_db()  # exits 1 with the reason
    click.echo("Connection successful.")


@group.command("reset")
@click.option("--yes", "-y", is_flag=True, help="Do not prompt to confirm.")
@click.option("--skip-init", "-s", is_flag=True, help="Only drop the tables.")
def reset(yes: bool, skip_init: bool) -> None:
    """Drop every table (all runs, users, connections...) and create them again."""
    from crosswind.db.base import Base

    if not yes and not ask_yesno("This will drop existing tables if they exist. "
                                 "Proceed? (y/n)"):
        click.echo("Cancelled")
        return
    _, db = existing_db()
    Base.metadata.drop_all(db.engine)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    if skip_init:
        click.echo("Tables dropped")
        return
    _migrate(db)
    click.echo("Database reset: tables dropped and created again")


@group.command("clean")
@click.option("--clean-before-timestamp", required=True,
              help="Purge what is older than this date or timestamp (UTC unless it says).")
@click.option("--dry-run", is_flag=True, help="Count what would be purged; purge nothing.")
@click.option("--tables", "-t", default=None,
              help="Comma-separated: dag_run (with their task instances, tries, XComs and "
                   "log files), log (the event log), job. Default: all.")
@click.option("--skip-archive", is_flag=True,
              help="Accepted for Airflow's scripts: Crosswind keeps no archive tables.")
@click.option("--yes", "-y", is_flag=True, help="Do not prompt to confirm.")
def clean(clean_before_timestamp: str, dry_run: bool, tables: str | None, skip_archive: bool,
          yes: bool) -> None:
    """Purge old runs (with their task instances, XComs and logs), event log and jobs."""
    from crosswind.cli.db_clean import TABLES, purge

    before = parse_date(clean_before_timestamp, "--clean-before-timestamp")
    wanted = [t.strip() for t in (tables or ",".join(TABLES)).split(",") if t.strip()]
    if bad := sorted(set(wanted) - set(TABLES)):
        raise click.BadParameter(f"unknown table(s) {', '.join(bad)}; choose from "
                                 f"{', '.join(TABLES)}", param_hint="--tables")
    settings, db = existing_db()
    if not dry_run and not yes:
        click.echo(f"You have requested that we purge all data prior to {before}.\n"
                   "This is irreversible.  Consider backing up the tables first and / or "
                   "doing a dry run with option --dry-run.")
        try:
            answer = input("Enter 'delete rows' (without quotes) to proceed. ")
        except EOFError:
            answer = ""
        if answer.strip().upper() != "DELETE ROWS":
            raise click.ClickException("User did not confirm; exiting.")
    for table, count in purge(db, settings.logs_path, before, wanted, dry_run=dry_run).items():
        verb = "would be purged" if dry_run else "purged"
        click.echo(f"{table}: {count} {verb}")
