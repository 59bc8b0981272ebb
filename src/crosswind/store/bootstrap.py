"""What every server does on start: migrate, ensure `default_pool` and the built-in roles,
ensure the first admin."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from crosswind.db.engine import Database
from crosswind.db.migrate import migrate
from crosswind.models import Pool, User
from crosswind.models.pool import DEFAULT_POOL, DEFAULT_POOL_SLOTS
from crosswind.settings import Settings
from crosswind.store import roles, users


def ensure_default_pool(db: Database) -> None:
    try:
        with db.write() as s:
            if s.scalar(select(Pool.id).where(Pool.pool == DEFAULT_POOL)) is None:
                s.add(Pool(pool=DEFAULT_POOL, slots=DEFAULT_POOL_SLOTS, description="Default pool"))
    except IntegrityError:  # another process created it at the same moment
        pass


def ensure_builtin_roles(db: Database) -> None:
    try:
        with db.write() as s:
            roles.seed_builtin(s)
    except IntegrityError:  # another process seeded them at the same moment
        pass


def ensure_admin(db: Database, settings: Settings, *, generate: bool) -> tuple[str, str] | None:
    """Create the configured admin if missing; with `generate`, create `admin` with a random
    password when no user exists at all. Returns (username, password) when a password was
    generated, so the caller can print it once."""
    name, password = settings.admin_username, settings.admin_password
    try:
        with db.write() as s:
            if name and password:
                if s.scalar(select(User.id).where(User.username == name)) is None:
                    users.create(s, username=name, email=f"{name}@localhost",
                                 password=password, roles=["Admin"])
                return None
            if generate and s.scalar(select(User.id).limit(1)) is None:
                password = secrets.token_urlsafe(12)
                users.create(s, username="admin", email="admin@localhost",
                             password=password, roles=["Admin"])
                return ("admin", password)
    except IntegrityError:
        return None
    return None


def prepare(
    db: Database, settings: Settings, *, generate_admin: bool = False
) -> tuple[str, str] | None:
    migrate(db.engine)
    ensure_default_pool(db)
    ensure_builtin_roles(db)
    return ensure_admin(db, settings, generate=generate_admin)
