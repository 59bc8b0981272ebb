"""Route dependencies: the caller, their rights, the app state and the dialect."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from crosswind.api.auth import authenticate
from crosswind.api.dialects import Dialect
from crosswind.api.principal import Principal
from crosswind.api.state import AppState
from crosswind.errors import Forbidden, NotFound
from crosswind.roles import CREATE, DAG_ENTITIES, DELETE, EDIT, READ, Action, fab_action


# Pure lookups are `async def`: FastAPI runs a sync dependency in the thread pool, and that
# hop costs more than the lookup itself on every request.
async def get_state(request: Request) -> AppState:
    return request.app.state.cw


async def get_dialect(request: Request) -> Dialect:
    return request.app.state.dialect


State = Annotated[AppState, Depends(get_state)]
DialectDep = Annotated[Dialect, Depends(get_dialect)]


def allow(resource: str, action: Action,
          fab: str | None = None) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates the caller and demands `action` on `resource`, as
    Airflow's FAB auth manager decides (crosswind.roles): the permission `fab` (by default
    the HTTP method's, `fab_action`) on the resource, and for a route with a `dag_id` path
    parameter, access to that DAG (`can_read` for GET, else `can_edit`; for a DAG itself,
    the action on it). A role without that DAG's access gets 403; a token confined to other
    DAGs gets 404 (as if the DAG did not exist).
    """

    async def dependency(request: Request) -> Principal:
        principal = await authenticate(request)
        method = request.method
        wanted = fab or fab_action(action, method)
        if not principal.can(resource, action, _method_of(wanted, method)):
            raise Forbidden(f"{principal.username} may not {action} {resource}s")
        dag_id = request.path_params.get("dag_id")
        if dag_id and dag_id != "~":
            _check_dag(principal, resource, dag_id, wanted, method)
        return principal

    dependency.__name__ = f"allow_{action}_{resource}"
    return dependency


def _method_of(wanted: str, method: str) -> str:
    return {READ: "GET", CREATE: "POST", DELETE: "DELETE", EDIT: "PATCH"}.get(wanted, method)


def _check_dag(who: Principal, resource: str, dag_id: str, wanted: str, method: str) -> None:
    if who.token_dag_ids is not None and dag_id not in who.token_dag_ids:
        raise NotFound(f"DAG {dag_id!r} not found")
    if resource == "dag":
        needed = wanted
    elif resource in DAG_ENTITIES:
        needed = READ if method in ("GET", "HEAD") else EDIT
    else:  # datasets of a DAG: reading the DAG is enough (Airflow's requires_access_dag GET)
        needed = READ
    if not who.can_dag(dag_id, needed):
        raise Forbidden(f"{who.username} may not {needed.removeprefix('can_')} DAG {dag_id!r}")
    if resource == "dag_run" and not who.perms.may_runs(wanted, dag_id):
        raise Forbidden(f"{who.username} may not {wanted.removeprefix('can_')} runs of "
                        f"DAG {dag_id!r}")


def Allow(resource: str, action: Action, fab: str | None = None) -> type[Principal]:
    return Annotated[Principal, Depends(allow(resource, action, fab))]  # type: ignore[return-value]
