"""`crosswind pools get|set|delete|list|import|export`, as Airflow's CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from crosswind.cli.context import existing_db
from crosswind.cli.output import fail, output_option, print_as
from crosswind.errors import CrosswindError
from crosswind.models import Pool
from crosswind.store import pools as store


@click.group("pools")
def group() -> None:
    """Manage pools."""


def _rows(db: Any, name: str | None = None) -> list[dict[str, Any]]:
    query = store.COLUMNS.order_by(Pool.pool)
    if name is not None:
        query = query.where(Pool.pool == name)
    with db.read() as s:
        return [{"pool": r.pool, "slots": r.slots, "description": r.description,
                 "include_deferred": r.include_deferred} for r in s.execute(query)]


@group.command("list")
@output_option
def list_(output: str) -> None:
    """List pools."""
    _, db = existing_db()
    print_as(_rows(db), output)


@group.command("get")
@click.argument("pool")
@output_option
def get(pool: str, output: str) -> None:
    """Get a pool's size."""
    _, db = existing_db()
    rows = _rows(db, pool)
    if not rows:
        fail(f"Pool {pool} does not exist")
    print_as(rows, output)


def _upsert(s: Any, name: str, slots: int, description: str, include_deferred: bool) -> None:
    # Airflow's `pools set` creates the pool or updates it in place.
    pool = s.scalars(select(Pool).where(Pool.pool == name)).first()
    if pool is None:
        store.create(s, name, slots, description, include_deferred)
        return
    pool.slots, pool.description, pool.include_deferred = slots, description, include_deferred


@group.command("set")
@click.argument("pool")
@click.argument("slots", type=int)
@click.argument("description")
@click.option("--include-deferred", is_flag=True,
              help="Include deferred tasks in calculations for Pool")
@output_option
def set_(pool: str, slots: int, description: str, include_deferred: bool, output: str) -> None:
    """Create or update a pool."""
    if slots < -1:
        fail("slots must be -1 (unlimited) or more")
    _, db = existing_db()
    with db.write() as s:
        _upsert(s, pool, slots, description, include_deferred)
    click.echo(f"Pool {pool} created")


@group.command("delete")
@click.argument("pool")
@output_option
def delete(pool: str, output: str) -> None:
    """Delete a pool."""
    _, db = existing_db()
    try:
        with db.write() as s:
            store.remove(s, pool)
    except CrosswindError as exc:
        fail(f"Pool {pool} does not exist" if exc.status == 404 else exc.detail)
    click.echo(f"Pool {pool} deleted")


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Import pools from a JSON file: {name: {slots, description, include_deferred}}."""
    if not file.exists():
        fail(f"Missing pools file {file}")
    try:
        data = json.loads(file.read_text())
    except ValueError as exc:
        fail(f"Invalid json file: {exc}")
    if not isinstance(data, dict):
        fail("Invalid json file: not an object")
    good = {k: v for k, v in data.items()
            if isinstance(v, dict) and isinstance(v.get("slots"), int) and "description" in v}
    failed = [k for k in data if k not in good]
    if failed:
        fail(f"Failed to update pool(s): {', '.join(failed)}")
    _, db = existing_db()
    with db.write() as s:
        for name, v in good.items():
            _upsert(s, name, v["slots"], v["description"], bool(v.get("include_deferred", False)))
    click.echo(f"Uploaded {len(good)} pool(s)")


@group.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export(file: Path) -> None:
    """Export all pools to a JSON file."""
    _, db = existing_db()
    rows = _rows(db)
    out = {r["pool"]: {"slots": r["slots"], "description": r["description"],
                       "include_deferred": r["include_deferred"]} for r in rows}
    file.write_text(json.dumps(out, sort_keys=True, indent=4))
    click.echo(f"Exported {len(rows)} pools to {file}")
