"""/pools: list, get, create, PUT (seed), PATCH with update_mask (Airflow), delete.

Responses carry both `name` (Airflow) and `pool_id` (seed) and the live slot figures.
`default_pool` exists from the start, cannot be deleted (400) and cannot be renamed (400).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from crosswind.api.common import parse_update_mask
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.reads import read
from crosswind.api.responses import JSON
from crosswind.api.schemas.pools import UPDATABLE, PoolCreate, PoolUpdate
from crosswind.errors import InvalidInput
from crosswind.models import Pool
from crosswind.store import event_log
from crosswind.store import pools as store

router = APIRouter(tags=["Pool"])
ORDER = {"name": Pool.pool, "pool_id": Pool.pool, "pool": Pool.pool, "slots": Pool.slots,
         "id": Pool.id, "description": Pool.description}


def render(pool: Any, used: dict[str, int]) -> dict[str, Any]:
    """`pool`: a Pool or a row of `store.COLUMNS`."""
    return {
        "name": pool.pool,
        "pool_id": pool.pool,
        "slots": pool.slots,
        "description": pool.description,
        "include_deferred": pool.include_deferred,
        **store.slot_figures(pool, used),
    }


def render_one(s: Session | Connection, pool: Any) -> dict[str, Any]:
    return render(pool, store.usage(s, [pool.pool])[pool.pool])


@router.get("/pools")
async def list_pools(state: State, page: PageDep, _: Allow("pool", "read")) -> JSON:
    def query(s: Connection) -> dict[str, Any]:
        rows, total = paginate(s, store.COLUMNS, page, ORDER, Pool.id, columns=True)
        used = store.usage(s, [p.pool for p in rows])
        return {"pools": [render(p, used[p.pool]) for p in rows], "total_entries": total}

    return JSON(await read(state, query))


@router.get("/pools/{pool_name}")
async def get_pool(pool_name: str, state: State, _: Allow("pool", "read")) -> JSON:
    return JSON(await read(state, lambda s: render_one(s, store.get_row(s, pool_name))))


@router.post("/pools")
def create_pool(body: PoolCreate, state: State, who: Allow("pool", "write")) -> JSON:
    name = body.the_name or ""
    with state.db.write() as s:
        pool = store.create(s, name, body.slots, body.description, bool(body.include_deferred))
        event_log.record(s, "pool.create", who.username, extra={"pool": name, "slots": body.slots})
        out = render_one(s, pool)
    return JSON(out)


def _update(state: State, name: str, body: PoolUpdate, fields: set[str], owner: str) -> JSON:
    with state.db.write() as s:
        pool = store.get(s, name)
        if "name" in fields and body.the_name is not None:
            store.rename(s, pool, body.the_name)
        if "slots" in fields:
            if body.slots is None:
                raise InvalidInput("slots must be an integer (-1 = unlimited)")
            pool.slots = body.slots
        if "description" in fields:
            pool.description = body.description
        if "include_deferred" in fields:
            pool.include_deferred = bool(body.include_deferred)
        event_log.record(s, "pool.edit", owner, extra={"pool": name, "fields": sorted(fields)})
        s.flush()
        out = render_one(s, pool)
    return JSON(out)


@router.put("/pools/{pool_name}")
def put_pool(pool_name: str, body: PoolUpdate, state: State, who: Allow("pool", "write")) -> JSON:
    """Seed: updates the fields given; a different `pool_id`/`name` in the body renames."""
    return _update(state, pool_name, body, body.given(), who.username)


@router.patch("/pools/{pool_name}")
def patch_pool(
    pool_name: str,
    body: PoolUpdate,
    state: State,
    who: Allow("pool", "write"),
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> JSON:
    fields = parse_update_mask(update_mask, UPDATABLE)
    fields = body.given() if fields is None else {"name" if f == "pool_id" else f for f in fields}
    return _update(state, pool_name, body, fields, who.username)


@router.delete("/pools/{pool_name}", status_code=204)
def delete_pool(pool_name: str, state: State, who: Allow("pool", "write")) -> Response:
    with state.db.write() as s:
        store.remove(s, pool_name)
        event_log.record(s, "pool.delete", who.username, extra={"pool": pool_name})
    return Response(status_code=204)
