"""`crosswind users create` and `crosswind users create-token`."""

from __future__ import annotations

import click

from crosswind.cli.context import settings_and_db
from crosswind.errors import CrosswindError
from crosswind.roles import ROLES, SCOPES
from crosswind.store import users as store
from crosswind.store.bootstrap import prepare


@click.group("users")
def group() -> None:
    """Users and personal access tokens."""


@group.command("create")
@click.option("--username", "-u", required=True)
@click.option("--email", "-e", required=True)
@click.option("--role", "-r", type=click.Choice(ROLES), default="Op", show_default=True)
@click.option("--password", "-p", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--firstname", "-f", default="")
@click.option("--lastname", "-l", default="")
def create(
    username: str, email: str, role: str, password: str, firstname: str, lastname: str
) -> None:
    """Create a user."""
    settings, db = settings_and_db()
    prepare(db, settings)
    try:
        with db.write() as s:
            store.create(s, username=username, email=email, password=password, role=role,
                         first_name=firstname, last_name=lastname)
    except CrosswindError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"user {username} created with role {role}")


@group.command("create-token")
@click.option("--username", "-u", required=True)
@click.option("--name", "-n", required=True, help="a label for the token")
@click.option("--scope", "-s", "scopes", multiple=True, type=click.Choice(SCOPES),
              default=("read", "write"), show_default=True)
@click.option("--expires-in-days", type=float, default=None)
@click.option("--dag-id", "dag_ids", multiple=True, help="confine the token to these DAGs")
def create_token(
    username: str, name: str, scopes: tuple[str, ...], expires_in_days: float | None,
    dag_ids: tuple[str, ...],
) -> None:
    """Create a personal access token and print its secret (shown once)."""
    settings, db = settings_and_db()
    prepare(db, settings)
    try:
        with db.write() as s:
            user = store.get(s, username)
            _, secret = store.create_token(s, user, name=name, scopes=list(scopes),
                                           expires_in_days=expires_in_days,
                                           dag_ids=list(dag_ids) or None)
    except CrosswindError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(secret)
