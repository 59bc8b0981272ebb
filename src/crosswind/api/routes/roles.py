"""/roles and /permissions, as Airflow 2.11's FAB auth manager serves them (both dialects).

A role is `{"name", "actions": [{"action": {"name"}, "resource": {"name"}}]}`. Reading
needs `can_read` on Roles (resp. Permissions), changing `can_create`/`can_edit`/
`can_delete` on Roles: the Admin role. Differences from Airflow, each on purpose: the
built-in roles cannot be changed or deleted (400; Airflow deletes them and re-creates them
at its next start); PATCH replaces the permissions it is given (Airflow only adds them);
POST answers with the new role (Airflow with `{}`); a rename onto an existing name is 409
(Airflow ignores it); `order_by=-name` works (Airflow refuses descending orders).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.api.common import parse_update_mask
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.reads import read_session
from crosswind.api.responses import JSON
from crosswind.models import Role
from crosswind.roles import ACTIONS, Perm
from crosswind.store import event_log
from crosswind.store import roles as store

router = APIRouter(tags=["Role"])
ORDER = {"name": Role.name, "role_id": Role.id}
# No "/": a role's name is a path segment of /roles/{role_name}.
Name = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[^/]+$")]


class _Named(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]


class ActionResource(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: _Named
    resource: _Named


class RoleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    actions: list[ActionResource] | None = Field(default=None, max_length=10_000)

    def perms(self) -> list[Perm] | None:
        if self.actions is None:
            return None
        return [(a.action.name, a.resource.name) for a in self.actions]


class RoleCreate(RoleBody):
    name: Name


def render(role: Role, perms: list[Perm]) -> dict[str, Any]:
    return {"name": role.name,
            "actions": [{"action": {"name": a}, "resource": {"name": r}} for a, r in perms]}


def _one(s: Session, role: Role) -> dict[str, Any]:
    return render(role, store.permissions_of(s, [role.id])[role.id])


@router.get("/roles")
async def list_roles(state: State, page: PageDep, _: Allow("role", "read")) -> JSON:
    def query(s: Session) -> dict[str, Any]:
        rows, total = paginate(s, select(Role), page, ORDER, Role.id, default="name")
        perms = store.permissions_of(s, [r.id for r in rows])
        return {"roles": [render(r, perms[r.id]) for r in rows], "total_entries": total}

    return JSON(await read_session(state, query))


@router.get("/roles/{role_name}")
async def get_role(role_name: str, state: State, _: Allow("role", "read")) -> JSON:
    return JSON(await read_session(state, lambda s: _one(s, store.get(s, role_name))))


@router.post("/roles")
def create_role(body: RoleCreate, state: State, who: Allow("role", "write")) -> JSON:
    with state.db.write() as s:
        role = store.create(s, body.name, body.perms() or [])
        event_log.record(s, "role.create", who.username, extra={"role": body.name})
        out = _one(s, role)
    return JSON(out)


@router.patch("/roles/{role_name}")
def patch_role(
    role_name: str,
    body: RoleBody,
    state: State,
    who: Allow("role", "write"),
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> JSON:
    fields = parse_update_mask(update_mask, ("name", "actions"))
    fields = set(body.model_fields_set) if fields is None else fields
    with state.db.write() as s:
        role = store.get(s, role_name)
        store.change(s, role, name=body.name if "name" in fields else None,
                     perms=body.perms() if "actions" in fields else None)
        event_log.record(s, "role.edit", who.username,
                         extra={"role": role_name, "fields": sorted(fields)})
        out = _one(s, role)
    return JSON(out)


@router.delete("/roles/{role_name}", status_code=204)
def delete_role(role_name: str, state: State, who: Allow("role", "write")) -> Response:
    with state.db.write() as s:
        store.remove(s, role_name)
        event_log.record(s, "role.delete", who.username, extra={"role": role_name})
    return Response(status_code=204)


@router.get("/permissions")
async def list_permissions(page: PageDep, _: Allow("permission", "read")) -> JSON:
    """The actions a permission can name (Airflow lists actions here, not pairs)."""
    shown = ACTIONS[page.offset:page.offset + page.limit]
    return JSON({"actions": [{"name": a} for a in shown], "total_entries": len(ACTIONS)})
