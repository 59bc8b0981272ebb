"""`crosswind variables get|set|delete|list|import|export`, as Airflow's CLI.

Values are encrypted with the same Fernet key the API uses (store/variables.py), so a value
set here is read back by the API and by tasks, and the other way round.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from crosswind.cli.context import existing_db, secret_box
from crosswind.cli.output import fail, output_option, print_as
from crosswind.errors import CrosswindError
from crosswind.models import Variable
from crosswind.store import variables as store


@click.group("variables")
def group() -> None:
    """Manage variables."""


@group.command("list")
@output_option
def list_(output: str) -> None:
    """List the variables (keys only, as Airflow)."""
    _, db = existing_db()
    with db.read() as s:
        keys = s.scalars(select(Variable.key).order_by(Variable.key)).all()
    print_as([{"key": k} for k in keys], output)


@group.command("get")
@click.argument("key")
@click.option("--default", "-d", default=None,
              help="Default value returned if variable does not exist")
@click.option("--json", "-j", "as_json", is_flag=True, help="Deserialize JSON variable")
def get(key: str, default: str | None, as_json: bool) -> None:
    """Print a variable's value."""
    settings, db = existing_db()
    with db.read() as s:
        value = store.get_value(s, secret_box(settings), key)
    if value is None:
        if default is None:
            fail(f"Variable {key} does not exist")
        click.echo(default)
        return
    if as_json:
        try:
            click.echo(_python_text(json.loads(value)))
        except ValueError:
            fail(f"Variable {key} is not valid JSON")
        return
    click.echo(value)


def _python_text(value: Any) -> str:
    # Airflow prints the deserialized object with print(): Python's repr for containers.
    return value if isinstance(value, str) else str(value)


@group.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--description", default=None,
              help="Variable description, optional when setting a variable")
@click.option("--json", "-j", "as_json", is_flag=True, help="Serialize JSON variable")
def set_(key: str, value: str, description: str | None, as_json: bool) -> None:
    """Create or overwrite a variable."""
    settings, db = existing_db()
    if as_json:
        try:
            value = json.dumps(json.loads(value), indent=2)
        except ValueError:
            fail(f"Value of {key} is not valid JSON")
    with db.write() as s:
        store.set_value(s, secret_box(settings), key, value, description)
    click.echo(f"Variable {key} created")


@group.command("delete")
@click.argument("key")
def delete(key: str) -> None:
    """Delete a variable."""
    _, db = existing_db()
    try:
        with db.write() as s:
            store.remove(s, key)
    except CrosswindError as exc:
        fail(exc.detail)
    click.echo(f"Variable {key} deleted")


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--action-on-existing-key", "-a", type=click.Choice(["overwrite", "fail", "skip"]),
              default="overwrite", show_default=True,
              help="Action to take if we encounter a variable key that already exists.")
def import_(file: Path, action_on_existing_key: str) -> None:
    """Import variables from a JSON file (an object of key: value)."""
    if not file.exists():
        fail("Missing variables file.")
    try:
        data = json.loads(file.read_text())
    except ValueError:
        fail("Invalid variables file.")
    if not isinstance(data, dict):
        fail("Invalid variables file.")
    settings, db = existing_db()
    box = secret_box(settings)
    with db.write() as s:
        existing = set(s.scalars(select(Variable.key).where(Variable.key.in_(list(data)))))
        if action_on_existing_key == "fail" and existing:
            fail(f"Failed. These keys: {sorted(existing)} already exists.")
        skipped = existing if action_on_existing_key == "skip" else set()
        for key, value in data.items():
            if key in skipped:
                continue
            text = value if isinstance(value, str) else json.dumps(value, indent=2)
            store.set_value(s, box, key, text)
    click.echo(f"{len(data) - len(skipped)} of {len(data)} variables successfully updated.")
    if skipped:
        click.echo(f"The variables with these keys: {sorted(skipped)} were skipped because "
                   "they already exists")


@group.command("export")
@click.argument("file", type=click.File("w"))
def export(file: Any) -> None:
    """Export all variables to a JSON file ('-' for stdout); JSON values stay JSON."""
    settings, db = existing_db()
    box = secret_box(settings)
    out: dict[str, Any] = {}
    with db.read() as s:
        for key, val in s.execute(select(Variable.key, Variable.val)):
            plain = box.decrypt(val)
            try:
                out[key] = json.loads(plain)
            except (ValueError, TypeError):
                out[key] = plain
    json.dump(out, file, sort_keys=True, indent=4)
    if file.name == "<stdout>":
        click.echo(f"\n{len(out)} Variables successfully exported.", err=True)
    else:
        click.echo(f"{len(out)} Variables successfully exported to {file.name}.")
