"""Apply Alembic migrations (`crosswind db migrate`; api-server and standalone call it on start).

Alembic is imported only when there is something to do: on an up-to-date database a start
costs one `SELECT version_num FROM alembic_version` against the head revision read from
the versions folder (importing and running Alembic costs ~0.3 s of every server start).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed number: several processes starting at once on PostgreSQL take turns.
_PG_LOCK_ID = 0x0C805511


_REVISION = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)


def head_revisions() -> set[str]:
    """Revision ids no other revision names as its down_revision (read, not imported)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text()):
            ids = set(re.findall(r"['\"]([^'\"]+)['\"]", value))
            (revisions if name == "revision" else parents).update(ids)
    return revisions - parents


def at_head(engine: Engine) -> bool:
    """True when the database's alembic_version is exactly the head revision(s)."""
    heads = head_revisions()
    if not heads:
        return False
    try:
        with engine.connect() as conn:
            current = {row[0] for row in conn.execute(text(
                "SELECT version_num FROM alembic_version"))}
    except DBAPIError:  # no table yet: a new database
        return False
    return current == heads


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is already there."""
    if at_head(engine):
        return
    from alembic import command

    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_ID})
            conn.commit()
        try:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            conn.commit()
        finally:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_ID})
                conn.commit()
