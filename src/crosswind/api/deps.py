"""Route dependencies: the caller, their rights, the app state and the dialect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from crosswind.api.auth import Principal, authenticate
from crosswind.api.dialects import Dialect
from crosswind.api.state import AppState
from crosswind.errors import Forbidden, NotFound
from crosswind.roles import Action


# Pure lookups are `async def`: FastAPI runs a sync dependency in the thread pool, and that
# hop costs more than the lookup itself on every request.
async def get_state(request: Request) -> AppState:
    return request.app.state.cw


async def get_dialect(request: Request) -> Dialect:
    return request.app.state.dialect


State = Annotated[AppState, Depends(get_state)]
DialectDep = Annotated[Dialect, Depends(get_dialect)]


def allow(resource: str, action: Action) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates the caller and demands `action` on `resource`.

    When the route has a `dag_id` path parameter, a token confined to other DAGs gets 404
    for it (as if the DAG did not exist), like Airflow's per-DAG permissions.
    """

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        if not principal.can(resource, action):
            raise Forbidden(f"{principal.username} may not {action} {resource}s")
        dag_id = request.path_params.get("dag_id")
        if dag_id and dag_id != "~" and not principal.can_dag(dag_id):
            raise NotFound(f"DAG {dag_id!r} not found")
        return principal

    dependency.__name__ = f"allow_{action}_{resource}"
    return dependency


def Allow(resource: str, action: Action) -> type[Principal]:
    return Annotated[Principal, Depends(allow(resource, action))]  # type: ignore[return-value]
