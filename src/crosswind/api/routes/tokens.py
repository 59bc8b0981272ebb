"""/users/{username}/tokens: personal access tokens (self with any role, or an admin).

The secret is returned once, by POST, as `token`; only its SHA-256 is stored. A caller that
is itself authenticated by a token cannot mint a broader token: the new token's scopes must
be a subset of the caller's. A token confined to `dag_ids` cannot use this API at all (not
even for its own user): it was handed out for some DAGs, not to manage credentials. Token
management is a write for tokens (needs `write` or `admin` scope) and listing a read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from crosswind.api.auth import Principal, authenticate
from crosswind.api.deps import State
from crosswind.api.responses import JSON, iso
from crosswind.api.schemas.users import TokenCreate
from crosswind.errors import Forbidden, NotFound
from crosswind.models import ApiToken
from crosswind.store import event_log
from crosswind.store import users as store

router = APIRouter(tags=["Token"])
Caller = Annotated[Principal, Depends(authenticate)]


def render(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "scopes": list(token.scopes),
        "dag_ids": None if token.dag_ids is None else list(token.dag_ids),
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "last_used_at": iso(token.last_used_at),
    }


def _check_owner(who: Principal, username: str, write: bool) -> None:
    if who.token_dag_ids is not None:
        raise Forbidden("a token confined to DAGs cannot manage tokens")
    if who.scopes is not None and write and not who.scopes & {"write", "admin"}:
        raise Forbidden("a read-only token cannot manage tokens")
    if who.username != username and not who.is_admin:
        # Do not reveal whether the user exists to a non-admin.
        raise Forbidden(f"{who.username} may manage only their own tokens")


def _check_not_broader(who: Principal, body: TokenCreate) -> None:
    if who.scopes is not None and not set(body.scopes) <= who.scopes:
        raise Forbidden("a token cannot create a token with scopes it does not have")


@router.get("/users/{username}/tokens")
def list_tokens(username: str, state: State, who: Caller) -> JSON:
    _check_owner(who, username, write=False)
    with state.db.read() as s:
        items = [render(t) for t in store.tokens(s, store.get(s, username))]
    return JSON({"tokens": items, "total_entries": len(items)})


@router.post("/users/{username}/tokens")
def create_token(username: str, body: TokenCreate, state: State, who: Caller) -> JSON:
    _check_owner(who, username, write=True)
    _check_not_broader(who, body)
    with state.db.write() as s:
        token, secret = store.create_token(
            s, store.get(s, username), name=body.name, scopes=body.scopes,
            expires_in_days=body.expires_in_days, dag_ids=body.dag_ids,
        )
        event_log.record(s, "token.create", who.username, extra={
            "username": username, "token_id": token.id, "scopes": token.scopes})
        out = {**render(token), "token": secret}
    return JSON(out)


@router.delete("/users/{username}/tokens/{token_id}", status_code=204)
def delete_token(username: str, token_id: str, state: State, who: Caller) -> Response:
    _check_owner(who, username, write=True)
    if not token_id.isdigit():
        raise NotFound(f"Token {token_id!r} of user {username!r} does not exist")
    with state.db.write() as s:
        store.revoke_token(s, store.get(s, username), int(token_id))
        event_log.record(s, "token.delete", who.username,
                         extra={"username": username, "token_id": int(token_id)})
    return Response(status_code=204)
