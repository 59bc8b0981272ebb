"""/users (admins only) and /users/{username}/tokens (self or admin).

User responses carry the seed's `is_admin`/`is_active` and Airflow's `roles`/`active`, never
a password or its hash. Create accepts `is_admin` (seed) or `roles` (Airflow: any roles
that exist, built-in or custom; a user may have several); default role Op.
Admins cannot delete themselves (400): that is the one change that can lock everyone out of
user management, and another admin can always do it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.api.common import parse_update_mask
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.reads import read_session
from crosswind.api.responses import JSON, iso
from crosswind.api.schemas.users import USER_FIELDS, UserCreate, UserUpdate
from crosswind.errors import AlreadyExists, InvalidInput
from crosswind.models import User
from crosswind.roles import DEFAULT_ROLE
from crosswind.store import event_log
from crosswind.store import roles as role_store
from crosswind.store import users as store

router = APIRouter(tags=["User"])
ORDER = {"username": User.username, "email": User.email, "id": User.id,
         "first_name": User.first_name, "last_name": User.last_name,
         "created_on": User.created_on, "changed_on": User.changed_on}


def render(user: User, roles: list[str]) -> dict[str, Any]:
    return {
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "active": user.is_active,
        "is_admin": "Admin" in roles,
        "roles": [{"name": r} for r in roles],
        "created_on": iso(user.created_on),
        "changed_on": iso(user.changed_on),
        "last_login": iso(user.last_login),
        "login_count": user.login_count,
        "failed_login_count": user.failed_login_count,
    }


@router.get("/users")
async def list_users(state: State, page: PageDep, _: Allow("user", "read")) -> JSON:
    def query(s: Session) -> dict[str, Any]:
        rows, total = paginate(s, select(User), page, ORDER, User.id)
        roles = role_store.roles_of(s, [u.id for u in rows])
        return {"users": [render(u, roles[u.id]) for u in rows], "total_entries": total}

    return JSON(await read_session(state, query))


@router.get("/users/{username}")
async def get_user(username: str, state: State, _: Allow("user", "read")) -> JSON:
    def query(s: Session) -> dict[str, Any]:
        user = store.get(s, username)
        return render(user, store.role_names(s, user))

    return JSON(await read_session(state, query))


@router.post("/users")
def create_user(body: UserCreate, state: State, who: Allow("user", "write")) -> JSON:
    roles = body.role_names([]) or [DEFAULT_ROLE]
    with state.db.write() as s:
        user = store.create(
            s, username=body.username, email=body.email, password=body.password, roles=roles,
            first_name=body.first_name or "", last_name=body.last_name or "",
            is_active=True if body.is_active is None else body.is_active,
        )
        event_log.record(s, "user.create", who.username,
                         extra={"username": body.username, "roles": roles})
        out = render(user, roles)
    return JSON(out)


def _apply(s: Session, user: User, body: UserUpdate, fields: set[str]) -> list[str]:
    """Apply the masked fields; returns the user's roles afterwards."""
    current = store.role_names(s, user)
    roles = body.role_names(current) if fields & {"roles", "is_admin"} else None
    active = body.is_active if "is_active" in fields and body.is_active is not None \
        else user.is_active
    store.keep_an_admin(s, user, roles=current if roles is None else roles, is_active=active)
    if "username" in fields and body.username and body.username != user.username:
        if s.scalar(select(User.id).where(User.username == body.username)) is not None:
            raise AlreadyExists(f"User {body.username!r} already exists")
        user.username = body.username
    if "email" in fields and body.email is not None:
        store.check_email_free(s, body.email, except_id=user.id)
        user.email = body.email
    for name in ("first_name", "last_name"):
        if name in fields and getattr(body, name) is not None:
            setattr(user, name, getattr(body, name))
    user.is_active = active
    if "password" in fields and body.password is not None:
        store.set_password(user, body.password)
    if roles is None:
        return current
    return role_store.assign(s, user, roles)


@router.patch("/users/{username}")
def patch_user(
    username: str,
    body: UserUpdate,
    state: State,
    who: Allow("user", "write"),
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> JSON:
    fields = parse_update_mask(update_mask, USER_FIELDS)
    fields = set(body.model_fields_set) if fields is None else fields
    with state.db.write() as s:
        user = store.get(s, username)
        roles = _apply(s, user, body, fields)
        shown = sorted(f for f in fields if f != "password") + (
            ["password"] if "password" in fields else []
        )
        event_log.record(s, "user.edit", who.username,
                         extra={"username": username, "fields": shown})
        s.flush()
        out = render(user, roles)
    return JSON(out)


@router.delete("/users/{username}", status_code=204)
def delete_user(username: str, state: State, who: Allow("user", "write")) -> Response:
    if username == who.username:
        raise InvalidInput("you cannot delete yourself; ask another admin")
    with state.db.write() as s:
        store.remove(s, username)
        event_log.record(s, "user.delete", who.username, extra={"username": username})
    return Response(status_code=204)
