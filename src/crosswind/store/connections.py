"""Connections: `password` and `extra` are Fernet tokens in the database, plain only in memory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crosswind.errors import AlreadyExists, NotFound
from crosswind.models import Connection
from crosswind.security import SecretBox

ENCRYPTED = ("password", "extra")


def get(session: Session, conn_id: str) -> Connection:
    conn = session.scalars(select(Connection).where(Connection.conn_id == conn_id)).first()
    if conn is None:
        raise NotFound(f"The Connection with connection_id: {conn_id!r} was not found")
    return conn


def assign(conn: Connection, box: SecretBox, values: dict[str, Any]) -> None:
    """Set columns from plain `values`, encrypting the secret ones ('' or None clears)."""
    for name, value in values.items():
        if name in ENCRYPTED and value:
            value = box.encrypt(value)
        elif name in ENCRYPTED:
            value = None
        setattr(conn, name, value)


def create(session: Session, box: SecretBox, conn_id: str, values: dict[str, Any]) -> Connection:
    if session.scalar(select(Connection.id).where(Connection.conn_id == conn_id)) is not None:
        raise AlreadyExists(f"Connection already exist. ID: {conn_id}")
    conn = Connection(conn_id=conn_id)
    assign(conn, box, values)
    session.add(conn)
    session.flush()
    return conn


def remove(session: Session, conn_id: str) -> None:
    if session.execute(delete(Connection).where(Connection.conn_id == conn_id)).rowcount == 0:
        raise NotFound(f"The Connection with connection_id: {conn_id!r} was not found")


def decrypted(conn: Connection, box: SecretBox, name: str) -> str | None:
    value = getattr(conn, name)
    return box.decrypt(value) if value else None


def get_plain(session: Session, box: SecretBox, conn_id: str) -> dict[str, Any] | None:
    """The connection with its secrets decrypted (what a running task's hook receives)."""
    conn = session.scalars(select(Connection).where(Connection.conn_id == conn_id)).first()
    if conn is None:
        return None
    return {
        "conn_id": conn.conn_id,
        "conn_type": conn.conn_type,
        "description": conn.description,
        "host": conn.host,
        "schema": conn.schema,
        "login": conn.login,
        "password": decrypted(conn, box, "password"),
        "port": conn.port,
        "extra": decrypted(conn, box, "extra"),
    }
