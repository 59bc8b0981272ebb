"""/variables: list, get, create, PUT (seed), PATCH with update_mask (Airflow), delete.

Responses carry both `val` (seed) and `value` (Airflow); values of sensitive-looking keys
are masked as `***`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Connection

from crosswind.api.common import check_path_match, parse_update_mask
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.reads import read
from crosswind.api.responses import JSON
from crosswind.api.schemas.variables import VariableCreate, VariableUpdate
from crosswind.dags.masking import is_sensitive_key
from crosswind.models import Variable
from crosswind.security import SecretBox
from crosswind.store import event_log
from crosswind.store import variables as store

router = APIRouter(tags=["Variable"])
ORDER = {"key": Variable.key, "id": Variable.id, "description": Variable.description}


def render(var: Any, box: SecretBox) -> dict[str, Any]:
    """`var`: a Variable or a row with key, val, description."""
    value = "***" if is_sensitive_key(var.key) else box.decrypt(var.val)
    return {"key": var.key, "val": value, "value": value, "description": var.description}


def render_rows(rows: Iterable[Any], box: SecretBox) -> list[dict[str, Any]]:
    """`render` for (key, val, description) rows, unrolled: it runs 100 times per list."""
    out = []
    for key, val, description in rows:
        value = "***" if is_sensitive_key(key) else box.decrypt(val)
        out.append({"key": key, "val": value, "value": value, "description": description})
    return out


@router.get("/variables")
async def list_variables(state: State, page: PageDep, _: Allow("variable", "read")) -> JSON:
    def query(s: Connection) -> dict[str, Any]:
        rows, total = paginate(s, store.COLUMNS, page, ORDER, Variable.id, columns=True)
        return {"variables": render_rows(rows, state.box), "total_entries": total}

    return JSON(await read(state, query))


@router.get("/variables/{variable_key}")
async def get_variable(variable_key: str, state: State, _: Allow("variable", "read")) -> JSON:
    var = await read(state, lambda conn: store.get_row(conn, variable_key))
    return JSON(render(var, state.box))


@router.post("/variables")
def create_variable(body: VariableCreate, state: State, who: Allow("variable", "write")) -> JSON:
    plain = body.the_value or ""
    with state.db.write_connection() as conn:
        store.insert_new(conn, state.box, body.key, plain, body.description)
        event_log.record(conn, "variable.create", who.username, extra={"key": body.key})
    value = "***" if is_sensitive_key(body.key) else plain  # what `render` would return
    return JSON({"key": body.key, "val": value, "value": value, "description": body.description})


def _update(
    state: State, key: str, body: VariableUpdate, fields: set[str] | None, owner: str
) -> JSON:
    check_path_match("key", body.key, key)
    with state.db.write() as s:
        var = store.get(s, key)
        if (fields is None or fields & {"val", "value"}) and body.the_value is not None:
            var.val = state.box.encrypt(body.the_value)
        # Without a mask only the fields given change; a mask naming description sets it,
        # even to null.
        if (fields is None and body.description is not None) or (
            fields is not None and "description" in fields
        ):
            var.description = body.description
        event_log.record(s, "variable.edit", owner, extra={"key": key})
        out = render(var, state.box)
    return JSON(out)


@router.put("/variables/{variable_key}")
def put_variable(
    variable_key: str, body: VariableUpdate, state: State, who: Allow("variable", "write")
) -> JSON:
    return _update(state, variable_key, body, None, who.username)


@router.patch("/variables/{variable_key}")
def patch_variable(
    variable_key: str,
    body: VariableUpdate,
    state: State,
    who: Allow("variable", "write"),
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> JSON:
    fields = parse_update_mask(update_mask, ("val", "value", "description"))
    return _update(state, variable_key, body, fields, who.username)


@router.delete("/variables/{variable_key}", status_code=204)
def delete_variable(variable_key: str, state: State, who: Allow("variable", "write")) -> Response:
    with state.db.write_connection() as conn:
        store.remove(conn, variable_key)
        event_log.record(conn, "variable.delete", who.username, extra={"key": variable_key})
    return Response(status_code=204)
