"""Variables: values are encrypted with the Fernet key before they reach the database.

The API's hot paths use Core statements built once (`COLUMNS`, `get_row`, `insert_new`,
`remove`): no ORM identity map or flush per request. `get`/`set_value` keep ORM objects for
the callers that edit them in place; new rows always go through `insert_new`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.orm import Session

from crosswind.errors import AlreadyExists, NotFound
from crosswind.models import Variable
from crosswind.security import SecretBox

# The columns a response needs (see api/routes/variables.py `render`).
COLUMNS = select(Variable.key, Variable.val, Variable.description)
_BY_KEY = COLUMNS.where(Variable.key == bindparam("key"))
_EXISTS = select(Variable.id).where(Variable.key == bindparam("key"))
_INSERT = insert(Variable)
_DELETE = delete(Variable).where(Variable.key == bindparam("key"))

Db = Session | Connection


def _missing(key: str) -> NotFound:
    return NotFound(f"Variable {key!r} does not exist")


def get(session: Session, key: str) -> Variable:
    var = session.scalars(select(Variable).where(Variable.key == key)).first()
    if var is None:
        raise _missing(key)
    return var


def get_row(db: Db, key: str) -> Any:
    """The variable `key` as a (key, val, description) row."""
    row = db.execute(_BY_KEY, {"key": key}).first()
    if row is None:
        raise _missing(key)
    return row


def get_value(session: Session, box: SecretBox, key: str) -> str | None:
    var = session.scalars(select(Variable).where(Variable.key == key)).first()
    return None if var is None else box.decrypt(var.val)


def insert_new(db: Db, box: SecretBox, key: str, value: str, description: str | None) -> None:
    """Insert a new variable; AlreadyExists (409) when `key` exists."""
    if db.execute(_EXISTS, {"key": key}).first() is not None:
        raise AlreadyExists(f"Variable {key!r} already exists")
    db.execute(_INSERT, {"key": key, "val": box.encrypt(value), "description": description})


def set_value(
    session: Session, box: SecretBox, key: str, value: str, description: str | None = None
) -> None:
    """Create or overwrite (what `Variable.set` does inside a task)."""
    var = session.scalars(select(Variable).where(Variable.key == key)).first()
    if var is None:
        insert_new(session, box, key, value, description)
        return
    var.val = box.encrypt(value)
    if description is not None:
        var.description = description


def remove(db: Db, key: str) -> None:
    if db.execute(_DELETE, {"key": key}).rowcount == 0:
        raise _missing(key)
