"""`crosswind users create|create-token|list|delete|add-role|remove-role|reset-password`."""

from __future__ import annotations

from collections.abc import Callable

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.cli.context import existing_db
from crosswind.cli.output import fail, output_option, print_as
from crosswind.errors import CrosswindError
from crosswind.models.auth import User
from crosswind.roles import SCOPES
from crosswind.store import roles as role_store
from crosswind.store import users as store


@click.group("users")
def group() -> None:
    """Users and personal access tokens."""


@group.command("create")
@click.option("--username", "-u", required=True)
@click.option("--email", "-e", required=True)
@click.option("--role", "-r", default="Op", show_default=True,
              help="a role that exists (`crosswind roles list`)")
@click.option("--password", "-p", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--firstname", "-f", default="")
@click.option("--lastname", "-l", default="")
def create(
    username: str, email: str, role: str, password: str, firstname: str, lastname: str
) -> None:
    """Create a user."""
    _, db = existing_db()
    try:
        with db.write() as s:
            store.create(s, username=username, email=email, password=password, roles=[role],
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
    _, db = existing_db()
    try:
        with db.write() as s:
            user = store.get(s, username)
            _, secret = store.create_token(s, user, name=name, scopes=list(scopes),
                                           expires_in_days=expires_in_days,
                                           dag_ids=list(dag_ids) or None)
    except CrosswindError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(secret)


@group.command("list")
@output_option
def list_(output: str) -> None:
    """List users."""
    _, db = existing_db()
    with db.read() as s:
        users = s.scalars(select(User).order_by(User.id)).all()
        roles = role_store.roles_of(s, [u.id for u in users])
    print_as([{"id": u.id, "username": u.username, "email": u.email, "first_name": u.first_name,
               "last_name": u.last_name, "roles": roles[u.id]} for u in users], output)


def _change(username: str, change: Callable[[Session, User], str]) -> None:
    _, db = existing_db()
    try:
        with db.write() as s:
            message = change(s, store.get(s, username))
    except CrosswindError as exc:
        fail(exc.detail)
    click.echo(message)


@group.command("delete")
@click.option("--username", "-u", required=True)
def delete(username: str) -> None:
    """Delete a user (never the last active Admin)."""
    _change(username, lambda s, u: (store.remove(s, u.username), f'User "{username}" deleted')[1])


def _add_role(s: Session, user: User, role: str) -> str:
    current = store.role_names(s, user)
    if role in current:
        fail(f'User "{user.username}" is already a member of role "{role}"')
    role_store.assign(s, user, [*current, role])
    return f'User "{user.username}" added to role "{role}"'


@group.command("add-role")
@click.option("--username", "-u", required=True)
@click.option("--role", "-r", required=True)
def add_role(username: str, role: str) -> None:
    """Give a user one more role."""
    _change(username, lambda s, u: _add_role(s, u, role))


def _drop_role(s: Session, user: User, role: str) -> str:
    current = store.role_names(s, user)
    if role not in current:
        fail(f'User "{user.username}" is not a member of role "{role}"')
    left = [r for r in current if r != role]
    store.keep_an_admin(s, user, roles=left, is_active=user.is_active)
    role_store.assign(s, user, left)
    return f'User "{user.username}" removed from role "{role}"'


@group.command("remove-role")
@click.option("--username", "-u", required=True)
@click.option("--role", "-r", required=True)
def remove_role(username: str, role: str) -> None:
    """Take a role from a user (never the last active Admin's Admin)."""
    _change(username, lambda s, u: _drop_role(s, u, role))


def _new_password(s: Session, user: User, password: str) -> str:
    store.set_password(user, password)
    return f'User "{user.username}" password reset'


@group.command("reset-password")
@click.option("--username", "-u", required=True)
@click.option("--password", "-p", prompt=True, hide_input=True, confirmation_prompt=True)
def reset_password(username: str, password: str) -> None:
    """Set a new password for a user."""
    _change(username, lambda s, u: _new_password(s, u, password))
