"""Roles, their permissions and users' memberships (the model: crosswind.roles).

Every change to a role's permissions bumps `role_revision` in the same transaction, which
tells each API server to reload its cached permissions (crosswind.api.role_cache).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from crosswind.errors import AlreadyExists, InvalidInput, NotFound
from crosswind.models import DagModel, Role, RolePermission, RoleRevision, User, UserRole
from crosswind.roles import BUILTIN, Perm, per_dag, unknown_permission


def get(session: Session, name: str) -> Role:
    role = session.scalars(select(Role).where(Role.name == name)).first()
    if role is None:
        raise NotFound(f"Role with name {name!r} was not found")
    return role


def permissions_of(session: Session, role_ids: Sequence[int]) -> dict[int, list[Perm]]:
    """Each role's permissions, sorted by resource then action (a stable order to show)."""
    out: dict[int, list[Perm]] = {i: [] for i in role_ids}
    if role_ids:
        rows = session.execute(
            select(RolePermission.role_id, RolePermission.action, RolePermission.resource)
            .where(RolePermission.role_id.in_(list(role_ids)))
            .order_by(RolePermission.resource, RolePermission.action)).all()
        for role_id, action, resource in rows:
            out[role_id].append((action, resource))
    return out


def check_permissions(session: Session, perms: Iterable[Perm]) -> list[Perm]:
    """The distinct pairs, or 400 naming the first unknown action or resource, as Airflow
    (a per-DAG resource must name a DAG the store knows)."""
    wanted = sorted(set(perms))
    for action, resource in wanted:
        if why := unknown_permission(action, resource):
            raise InvalidInput(why)
    dag_ids = {d for _, r in wanted if (d := per_dag(r)) is not None}
    if dag_ids:
        known = set(session.scalars(select(DagModel.dag_id).where(
            DagModel.dag_id.in_(sorted(dag_ids)))))
        for _, resource in wanted:
            if (d := per_dag(resource)) is not None and d not in known:
                raise InvalidInput(f"The specified resource: {resource!r} was not found")
    return wanted


def _refuse_builtin(name: str, doing: str) -> None:
    if name in BUILTIN:
        raise InvalidInput(f"{name!r} is a built-in role and cannot be {doing}; "
                           "create a role of your own instead")


def _bump(session: Session) -> None:
    if not session.execute(update(RoleRevision).where(RoleRevision.id == 1).values(
            revision=RoleRevision.revision + 1)).rowcount:
        session.add(RoleRevision(id=1, revision=1))


def _set_permissions(session: Session, role: Role, perms: list[Perm]) -> None:
    session.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
    if perms:
        session.execute(insert(RolePermission), [
            {"role_id": role.id, "action": a, "resource": r} for a, r in perms])
    _bump(session)


def create(session: Session, name: str, perms: Iterable[Perm]) -> Role:
    if session.scalar(select(Role.id).where(Role.name == name)) is not None:
        raise AlreadyExists(f"Role with name {name!r} already exists; please update with "
                            "the PATCH endpoint")
    checked = check_permissions(session, perms)
    role = Role(name=name)
    session.add(role)
    session.flush()
    _set_permissions(session, role, checked)
    return role


def change(session: Session, role: Role, *, name: str | None,
           perms: Iterable[Perm] | None) -> Role:
    """Rename and/or replace the permissions of a role of one's own."""
    _refuse_builtin(role.name, "changed")
    if perms is not None:
        _set_permissions(session, role, check_permissions(session, perms))
    if name is not None and name != role.name:
        _refuse_builtin(name, "a new name")
        if session.scalar(select(Role.id).where(Role.name == name)) is not None:
            raise AlreadyExists(f"Role with name {name!r} already exists")
        role.name = name
        _bump(session)
    session.flush()
    return role


def remove(session: Session, name: str) -> None:
    """Delete a role of one's own; its users lose it (and keep their other roles)."""
    role = get(session, name)
    _refuse_builtin(name, "deleted")
    session.execute(delete(UserRole).where(UserRole.role_id == role.id))
    session.execute(delete(RolePermission).where(RolePermission.role_id == role.id))
    session.delete(role)
    _bump(session)


def roles_of(session: Session, user_ids: Sequence[int]) -> dict[int, list[str]]:
    """Each user's role names, sorted."""
    out: dict[int, list[str]] = {i: [] for i in user_ids}
    if user_ids:
        rows = session.execute(
            select(UserRole.user_id, Role.name).join(Role, Role.id == UserRole.role_id)
            .where(UserRole.user_id.in_(list(user_ids))).order_by(Role.name)).all()
        for user_id, name in rows:
            out[user_id].append(name)
    return out


def assign(session: Session, user: User, names: Iterable[str]) -> list[str]:
    """Make `names` the user's roles (400 for a role that does not exist, as Airflow)."""
    wanted = sorted(set(names))
    found = dict(session.execute(select(Role.name, Role.id).where(Role.name.in_(wanted))).all())
    if missing := [n for n in wanted if n not in found]:
        raise InvalidInput(f"Unknown roles: {', '.join(repr(n) for n in missing)}")
    session.execute(delete(UserRole).where(UserRole.user_id == user.id))
    if wanted:
        session.execute(insert(UserRole), [{"user_id": user.id, "role_id": found[n]}
                                           for n in wanted])
    return wanted


def active_admins(session: Session, except_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(User)
        .join(UserRole, UserRole.user_id == User.id).join(Role, Role.id == UserRole.role_id)
        .where(Role.name == "Admin", User.is_active.is_(True), User.id != except_id)) or 0


def seed_builtin(session: Session) -> None:
    """Create the built-in roles, and reset their permissions to crosswind.roles.BUILTIN
    when they differ (a new version may grant more). Idempotent; concurrent starts may
    race, the loser's IntegrityError is the caller's to ignore."""
    existing = dict(session.execute(select(Role.name, Role.id)).all())
    have = permissions_of(session, list(existing.values()))
    for name, perms in BUILTIN.items():
        if name not in existing:
            role = Role(name=name)
            session.add(role)
            session.flush()
            _set_permissions(session, role, sorted(perms))
        elif set(have[existing[name]]) != perms:
            _set_permissions(session, session.get(Role, existing[name]), sorted(perms))
    if session.scalar(select(RoleRevision.id).where(RoleRevision.id == 1)) is None:
        _bump(session)

