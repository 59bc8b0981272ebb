"""`crosswind roles list|create`: the built-in roles and custom ones (permissions are given
through the API, `/roles`)."""

from __future__ import annotations

import click
from sqlalchemy import select

from crosswind.cli.context import existing_db
from crosswind.cli.output import output_option, print_as
from crosswind.models import Role


@click.group("roles")
def group() -> None:
    """Roles."""


@group.command("list")
@output_option
def list_(output: str) -> None:
    """List roles."""
    _, db = existing_db()
    with db.read() as s:
        names = s.scalars(select(Role.name).order_by(Role.name)).all()
    print_as([{"name": n} for n in names], output)


@group.command("create")
@click.argument("roles", nargs=-1, required=True)
def create(roles: tuple[str, ...]) -> None:
    """Create roles (without permissions; give them some through the API, /roles).
    A role that exists already is left as it is."""
    from crosswind.errors import CrosswindError
    from crosswind.store import roles as store

    for name in roles:  # the API's rule: a name is a path segment of /roles/{role_name}
        if not name or len(name) > 64 or "/" in name:
            raise click.BadParameter(f"{name!r}: 1 to 64 characters, no '/'",
                                     param_hint="ROLES")
    _, db = existing_db()
    try:
        with db.write() as s:
            existing = set(s.scalars(select(Role.name).where(Role.name.in_(roles))))
            for name in dict.fromkeys(roles):
                if name not in existing:
                    store.create(s, name, [])
    except CrosswindError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"Added {len(roles)} role(s)")
