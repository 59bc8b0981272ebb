"""`crosswind connections add|get|delete|list|import|export`, as Airflow's CLI.

Passwords and extras are Fernet-encrypted by store/connections.py with the API's key. As
Airflow's CLI, `get` and `list` print the password: whoever runs them can read the database
and the key already. URIs are parsed and built by the task-side `Connection` class, so
`--conn-uri` means exactly what an `AIRFLOW_CONN_*` variable means to a task.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from crosswind.cli.context import existing_db, secret_box
from crosswind.cli.output import fail, output_option, print_as
from crosswind.dags.hooks import Connection as UriConnection
from crosswind.errors import CrosswindError
from crosswind.models import Connection
from crosswind.store import connections as store

FIELDS = ("conn_type", "description", "host", "login", "password", "schema", "port", "extra")


@click.group("connections")
def group() -> None:
    """Manage connections."""


def _plain_all(db: Any, box: Any, conn_id: str | None = None) -> list[dict[str, Any]]:
    query = select(Connection).order_by(Connection.conn_id)
    if conn_id is not None:
        query = query.where(Connection.conn_id == conn_id)
    with db.read() as s:
        return [{"id": c.id, **{f: getattr(c, f) for f in ("conn_id", *FIELDS)},
                 "password": store.decrypted(c, box, "password"),
                 "extra": store.decrypted(c, box, "extra")} for c in s.scalars(query)]


def _uri(row: dict[str, Any]) -> str:
    return UriConnection(**{f: row[f] for f in FIELDS}).get_uri()


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    extra = UriConnection(extra=row["extra"]).extra_dejson
    return {"id": row["id"], "conn_id": row["conn_id"], "conn_type": row["conn_type"],
            "description": row["description"], "host": row["host"], "schema": row["schema"],
            "login": row["login"], "password": row["password"], "port": row["port"],
            "is_encrypted": bool(row["password"]), "is_extra_encrypted": bool(row["extra"]),
            "extra_dejson": extra, "get_uri": _uri(row)}


@group.command("list")
@click.option("--conn-id", default=None, help="If passed, only items with the specified "
              "connection ID will be displayed")
@output_option
def list_(conn_id: str | None, output: str) -> None:
    """List connections."""
    settings, db = existing_db()
    print_as([_shown(r) for r in _plain_all(db, secret_box(settings), conn_id)], output)


@group.command("get")
@click.argument("conn_id")
@output_option
def get(conn_id: str, output: str) -> None:
    """Get a connection."""
    settings, db = existing_db()
    rows = _plain_all(db, secret_box(settings), conn_id)
    if not rows:
        fail("Connection not found.")
    print_as([_shown(r) for r in rows], output)


def _from_options(opts: dict[str, Any]) -> dict[str, Any]:
    uri, as_json = opts["conn_uri"], opts["conn_json"]
    fields = ("conn_type", "conn_host", "conn_login", "conn_password", "conn_schema", "conn_port")
    if not opts["conn_type"] and not (uri or as_json):
        fail("Must supply either conn-uri or conn-json if not supplying conn-type")
    if uri and as_json:
        fail("Cannot supply both conn-uri and conn-json")
    if uri or as_json:
        bad = [f for f in fields if opts[f] is not None]
        if as_json and opts["conn_extra"]:
            bad.append("--conn-extra")
        if bad:
            fail(f"The following args are not compatible with the "
                 f"--conn-{'uri' if uri else 'json'} flag: {bad!r}")
    if uri:
        if "://" not in uri:
            fail(f"The URI provided to --conn-uri is invalid: {uri}")
        parsed = UriConnection(uri=uri)
        values = {f: getattr(parsed, f) for f in FIELDS}
        values["description"] = opts["conn_description"]
    elif as_json:
        values = _json_fields(as_json)
        if not values.get("conn_type"):
            fail("conn-json is invalid; must supply conn-type")
    else:
        values = {f: opts[f if f == "conn_type" else f"conn_{f}"] for f in FIELDS
                  if f != "extra"}
    if opts["conn_extra"] is not None:
        values["extra"] = opts["conn_extra"]
    return values


def _json_fields(text: str | dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        fail("conn-json is invalid; not JSON")
    if not isinstance(data, dict):
        fail("conn-json is invalid; not a JSON object")
    values = {f: data.get(f) for f in FIELDS}
    if isinstance(values["extra"], dict):
        values["extra"] = json.dumps(values["extra"])
    return values


@group.command("add")
@click.argument("conn_id")
@click.option("--conn-uri", default=None, help="Connection URI, required to add a connection "
              "without conn_type")
@click.option("--conn-json", default=None, help="Connection JSON, required to add a connection "
              "using JSON representation")
@click.option("--conn-type", default=None)
@click.option("--conn-description", default=None)
@click.option("--conn-host", default=None)
@click.option("--conn-login", default=None)
@click.option("--conn-password", default=None)
@click.option("--conn-schema", default=None)
@click.option("--conn-port", type=int, default=None)
@click.option("--conn-extra", default=None, help="Connection extra field, a JSON object")
def add(conn_id: str, **opts: Any) -> None:
    """Add a connection."""
    values = _from_options(opts)
    settings, db = existing_db()
    try:
        with db.write() as s:
            store.create(s, secret_box(settings), conn_id, values)
    except CrosswindError:
        fail(f"A connection with `conn_id`={conn_id} already exists.")
    # As Airflow: type://login:******@host:port/schema, the password never echoed.
    secret = "******" if values.get("password") else ""
    shown = opts["conn_uri"] or (
        f"{values.get('conn_type') or ''}://{values.get('login') or ''}:{secret}"
        f"@{values.get('host') or ''}:{values.get('port') or ''}/{values.get('schema') or ''}")
    click.echo(f"Successfully added `conn_id`={conn_id} : {shown}")


@group.command("delete")
@click.argument("conn_id")
def delete(conn_id: str) -> None:
    """Delete a connection."""
    _, db = existing_db()
    try:
        with db.write() as s:
            store.remove(s, conn_id)
    except CrosswindError:
        fail(f"Did not find a connection with `conn_id`={conn_id}")
    click.echo(f"Successfully deleted connection with `conn_id`={conn_id}")


def _load(file: Path) -> dict[str, dict[str, Any]]:
    """{conn_id: values} from a .json, .yaml/.yml or .env file (URI or JSON per entry)."""
    text, suffix = file.read_text(), file.suffix.lower()
    try:
        if suffix == ".env":
            entries = dict(line.split("=", 1) for line in text.splitlines()
                           if line.strip() and not line.lstrip().startswith("#"))
        elif suffix in (".yaml", ".yml"):
            import yaml

            entries = yaml.safe_load(text) or {}
        elif suffix == ".json":
            entries = json.loads(text)
        else:
            fail("Unsupported file format. The file must have one of the following "
                 "extensions: .env .json .yaml .yml")
    except ValueError as exc:
        fail(f"Failed to load the secret file: {exc}")
    if not isinstance(entries, dict):
        fail("Failed to load the secret file: not a mapping of connection ids")
    out = {}
    for conn_id, entry in entries.items():
        entry = entry.strip() if isinstance(entry, str) else entry
        if isinstance(entry, str) and not entry.startswith("{"):
            parsed = UriConnection(uri=entry)
            out[str(conn_id).strip()] = {f: getattr(parsed, f) for f in FIELDS}
        else:
            out[str(conn_id).strip()] = _json_fields(entry)
    return out


@group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Overwrite existing entries if a conflict occurs")
def import_(file: Path, overwrite: bool) -> None:
    """Import connections from a file (.json, .yaml, .yml or .env)."""
    if not file.exists():
        fail("Missing connections file.")
    entries = _load(file)
    settings, db = existing_db()
    box = secret_box(settings)
    for conn_id, values in entries.items():
        with db.write() as s:
            existing = s.scalars(select(Connection).where(Connection.conn_id == conn_id)).first()
            if existing is not None and not overwrite:
                click.echo(f"Could not import connection {conn_id}: connection already exists.")
                continue
            if existing is None:
                store.create(s, box, conn_id, values)
            else:
                store.assign(existing, box, values)
        click.echo(f"Imported connection {conn_id}")


def _format(rows: list[dict[str, Any]], file_format: str, serialization: str) -> str:
    def as_dict(r: dict[str, Any]) -> dict[str, Any]:
        return {"conn_type": r["conn_type"], "description": r["description"],
                "login": r["login"], "password": r["password"], "host": r["host"],
                "port": r["port"], "schema": r["schema"], "extra": r["extra"]}

    if file_format == "env":
        ser = (lambda r: json.dumps(as_dict(r))) if serialization == "json" else _uri
        return "".join(f"{r['conn_id']}={ser(r)}\n" for r in rows)
    data = {r["conn_id"]: as_dict(r) for r in rows}
    if file_format == "yaml":
        import yaml

        return yaml.dump(data)
    return json.dumps(data, indent=2)


@group.command("export")
@click.argument("file", type=click.File("w"))
@click.option("--file-format", type=click.Choice(["json", "yaml", "env"]), default=None,
              help="File format for the export")
@click.option("--serialization-format", type=click.Choice(["json", "uri"]), default=None,
              help="When exporting as .env format, defines how connections should be serialized")
def export(file: Any, file_format: str | None, serialization_format: str | None) -> None:
    """Export all connections to a file ('-' for stdout, JSON unless --file-format)."""
    to_stdout = file.name == "<stdout>"
    if file_format is None:
        suffix = "json" if to_stdout else Path(file.name).suffix.lower().lstrip(".")
        file_format = "yaml" if suffix == "yml" else suffix
        if file_format not in ("json", "yaml", "env"):
            fail("Unsupported file format. The file must have the extension .yaml, .json, .env.")
    if serialization_format and file_format != "env":
        fail("Option `--serialization-format` may only be used with file type `env`.")
    settings, db = existing_db()
    rows = _plain_all(db, secret_box(settings))
    file.write(_format(rows, file_format, serialization_format or "uri"))
    if to_stdout:
        click.echo(f"\n{len(rows)} Connections successfully exported.", err=True)
    else:
        click.echo(f"{len(rows)} Connections successfully exported to {file.name}.")
