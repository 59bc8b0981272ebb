"""`crosswind roles list`: the built-in roles and the custom ones (made through the API)."""

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
