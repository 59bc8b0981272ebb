"""/connections: list, get, create, PUT (seed), PATCH with update_mask (Airflow), delete, test.

Responses carry both `connection_id` (Airflow) and `conn_id` (seed) and never the password.
A single connection includes `extra` (decrypted, with values under sensitive-looking keys
shown as `***`); lists omit it, as Airflow's do. Testing connections is disabled (403), as in
Airflow's default configuration, unless `CROSSWIND_TEST_CONNECTION=enabled`.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.api.common import check_path_match, parse_update_mask
from crosswind.api.connection_probe import probe
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.reads import read_session
from crosswind.api.responses import JSON
from crosswind.api.schemas.connections import UPDATABLE, ConnectionCreate, ConnectionUpdate
from crosswind.dags.masking import is_sensitive_key
from crosswind.errors import Forbidden, InvalidInput
from crosswind.models import Connection
from crosswind.security import SecretBox
from crosswind.store import connections as store
from crosswind.store import event_log

router = APIRouter(tags=["Connection"])
UPDATABLE_ALL = ("conn_type", "host", "schema", "login", "password", "port", "extra")
ORDER = {
    "connection_id": Connection.conn_id,
    "conn_id": Connection.conn_id,
    "conn_type": Connection.conn_type,
    "description": Connection.description,
    "host": Connection.host,
    "port": Connection.port,
    "id": Connection.id,
}


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "***" if is_sensitive_key(str(k)) else _mask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v) for v in value]
    return value


def masked_extra(plain: str | None) -> str | None:
    if not plain:
        return plain
    try:
        return json.dumps(_mask(json.loads(plain)))
    except ValueError:  # stored before validation existed, or by a tool: show nothing
        return "***"


def render(conn: Connection, box: SecretBox | None = None) -> dict[str, Any]:
    """`box` given: a single connection, with its (masked) extra."""
    out: dict[str, Any] = {
        "connection_id": conn.conn_id,
        "conn_id": conn.conn_id,
        "conn_type": conn.conn_type,
        "description": conn.description,
        "host": conn.host,
        "schema": conn.schema,
        "login": conn.login,
        "port": conn.port,
    }
    if box is not None:
        out["extra"] = masked_extra(store.decrypted(conn, box, "extra"))
    return out


@router.get("/connections")
async def list_connections(state: State, page: PageDep, _: Allow("connection", "read")) -> JSON:
    def query(s: Session) -> dict[str, Any]:
        rows, total = paginate(s, select(Connection), page, ORDER, Connection.id)
        return {"connections": [render(c) for c in rows], "total_entries": total}

    return JSON(await read_session(state, query))


@router.get("/connections/{connection_id}")
async def get_connection(
    connection_id: str, state: State, _: Allow("connection", "read")
) -> JSON:
    return JSON(await read_session(state, lambda s: render(store.get(s, connection_id), state.box)))


@router.post("/connections")
def create_connection(
    body: ConnectionCreate, state: State, who: Allow("connection", "write")
) -> JSON:
    conn_id = body.the_id or ""
    with state.db.write() as s:
        conn = store.create(s, state.box, conn_id, body.values())
        event_log.record(s, "connection.create", who.username, extra={"conn_id": conn_id})
        out = render(conn, state.box)
    return JSON(out)


@router.post("/connections/test")
def test_connection(
    body: ConnectionCreate, state: State, who: Allow("connection", "write")
) -> JSON:
    if state.settings.test_connection != "enabled":
        raise Forbidden(
            "Testing connections is disabled in Crosswind configuration "
            "(CROSSWIND_TEST_CONNECTION; as Airflow's default 'test_connection = Disabled')."
        )
    return JSON(probe(body.values(set(UPDATABLE_ALL))))


def _update(
    state: State, conn_id: str, body: ConnectionUpdate, fields: set[str] | None, owner: str
) -> JSON:
    check_path_match("connection_id", body.the_id, conn_id)
    values = body.values(fields)
    if "conn_type" in values and not values["conn_type"]:
        raise InvalidInput("conn_type must not be empty")
    with state.db.write() as s:
        conn = store.get(s, conn_id)
        store.assign(conn, state.box, values)
        event_log.record(s, "connection.edit", owner,
                         extra={"conn_id": conn_id, "fields": sorted(values)})
        out = render(conn, state.box)
    return JSON(out)


@router.put("/connections/{connection_id}")
def put_connection(
    connection_id: str, body: ConnectionUpdate, state: State, who: Allow("connection", "write")
) -> JSON:
    return _update(state, connection_id, body, None, who.username)


@router.patch("/connections/{connection_id}")
def patch_connection(
    connection_id: str,
    body: ConnectionUpdate,
    state: State,
    who: Allow("connection", "write"),
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> JSON:
    fields = parse_update_mask(update_mask, (*UPDATABLE, "connection_id", "conn_id"))
    if fields and fields & {"connection_id", "conn_id"}:
        raise InvalidInput("'connection_id' cannot be updated")
    return _update(state, connection_id, body, fields, who.username)


@router.delete("/connections/{connection_id}", status_code=204)
def delete_connection(
    connection_id: str, state: State, who: Allow("connection", "write")
) -> Response:
    with state.db.write() as s:
        store.remove(s, connection_id)
        event_log.record(s, "connection.delete", who.username,
                         extra={"conn_id": connection_id})
    return Response(status_code=204)
