"""Every role's permissions, kept in memory by each API server process.

Each request's user lookup also reads `role_revision.revision` (the same statement, no
extra round trip); a role change bumps it in its own transaction. When the revision read
differs from the one the cache was loaded at, the cache reloads all roles (one query of
`role_permissions`: a few hundred rows). So a role change applies to the very next request
of every server process, and an unchanged revision costs a dict lookup.
"""

from __future__ import annotations

import threading

from sqlalchemy import select
from sqlalchemy.engine import Engine

from crosswind.models import Role, RolePermission, RoleRevision
from crosswind.roles import Perm, Permissions


class RoleCache:
    def __init__(self) -> None:
        self._revision: int | None = None
        self._roles: dict[str, frozenset[Perm]] = {}
        self._unions: dict[tuple[str, ...], Permissions] = {}
        self._lock = threading.Lock()

    def fresh(self, revision: int | None) -> bool:
        return self._revision is not None and revision == self._revision

    def reload(self, engine: Engine) -> None:
        """Blocking (one query): callers on the event loop run it off-loop on PostgreSQL."""
        stmt = select(Role.name, RolePermission.action, RolePermission.resource).outerjoin(
            RolePermission, RolePermission.role_id == Role.id)
        with engine.connect() as conn:
            revision = conn.scalar(select(RoleRevision.revision).where(RoleRevision.id == 1))
            rows = conn.execute(stmt).all()
        roles: dict[str, set[Perm]] = {}
        for name, action, resource in rows:
            perms = roles.setdefault(name, set())
            if action is not None:
                perms.add((action, resource))
        with self._lock:
            self._roles = {k: frozenset(v) for k, v in roles.items()}
            self._unions = {}
            self._revision = revision or 0

    def permissions(self, role_names: tuple[str, ...]) -> Permissions:
        """The union of these roles' permissions (an unknown name adds nothing)."""
        found = self._unions.get(role_names)
        if found is None:
            pairs = frozenset().union(*(self._roles.get(r, frozenset()) for r in role_names))
            found = self._unions[role_names] = Permissions(pairs)
        return found
