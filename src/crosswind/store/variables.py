"""Variables: values are encrypted with the Fernet key before they reach the database."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crosswind.errors import AlreadyExists, NotFound
from crosswind.models import Variable
from crosswind.security import SecretBox


def get(session: Session, key: str) -> Variable:
    var = session.scalars(select(Variable).where(Variable.key == key)).first()
    if var is None:
        raise NotFound(f"Variable {key!r} does not exist")
    return var


def get_value(session: Session, box: SecretBox, key: str) -> str | None:
    var = session.scalars(select(Variable).where(Variable.key == key)).first()
    return None if var is None else box.decrypt(var.val)


def create(
    session: Session, box: SecretBox, key: str, value: str, description: str | None
) -> Variable:
    if session.scalar(select(Variable.id).where(Variable.key == key)) is not None:
        raise AlreadyExists(f"Variable {key!r} already exists")
    var = Variable(key=key, val=box.encrypt(value), description=description)
    session.add(var)
    session.flush()
    return var


def set_value(
    session: Session, box: SecretBox, key: str, value: str, description: str | None = None
) -> Variable:
    """Create or overwrite (what `Variable.set` does inside a task)."""
    var = session.scalars(select(Variable).where(Variable.key == key)).first()
    if var is None:
        return create(session, box, key, value, description)
    var.val = box.encrypt(value)
    if description is not None:
        var.description = description
    return var


def remove(session: Session, key: str) -> None:
    if session.execute(delete(Variable).where(Variable.key == key)).rowcount == 0:
        raise NotFound(f"Variable {key!r} does not exist")
