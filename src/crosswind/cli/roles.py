"""`crosswind roles list`: Crosswind's fixed roles (they cannot be created or edited)."""

from __future__ import annotations

import click

from crosswind.cli.output import output_option, print_as
from crosswind.roles import ROLES


@click.group("roles")
def group() -> None:
    """Roles."""


@group.command("list")
@output_option
def list_(output: str) -> None:
    """List roles."""
    print_as([{"name": r} for r in ROLES], output)
