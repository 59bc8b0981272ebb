"""Authentication (Basic, Bearer personal access tokens, the web UI's session cookie) and
the permission check.

Per request this costs one indexed lookup: argon2 runs only on the first use of a credential
(see `crosswind.security.CredentialCache`), and tokens are found by the SHA-256 of their
secret. `last_used_at` is written at most once a minute per token, and a user's `last_login`
and `login_count` only on a fresh password login (argon2 ran), so reads stay reads.

`authenticate` runs on the event loop. On SQLite the usual path (one sub-millisecond lookup
in a local file) is cheaper inline than a hop to the thread pool; on PostgreSQL the lookup
goes to the thread pool, so a slow network round trip never stalls the loop. The slow parts
(argon2 on a credential's first use, the once-a-minute `last_used_at` write) always go there.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import bindparam, select, update
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from crosswind.api import login_throttle, sessions
from crosswind.api.principal import Principal
from crosswind.api.state import AppState
from crosswind.db.base import utcnow
from crosswind.errors import Forbidden
from crosswind.models import ApiToken, Role, RoleRevision, User, UserRole
from crosswind.roles import Permissions
from crosswind.security import dummy_hash, token_digest, verify_password
from crosswind.store import event_log

_CHALLENGE = {"WWW-Authenticate": 'Basic realm="Crosswind", Bearer'}
_LAST_USED_GRANULARITY = timedelta(seconds=60)
_REVISION = (select(RoleRevision.revision).where(RoleRevision.id == 1)
             .scalar_subquery().label("role_revision"))
_USER_COLUMNS = (User.id, User.username, User.is_active, User.password_hash,
                 Role.name.label("role_name"), _REVISION)


def _with_roles(stmt: Any) -> Any:
    """One row per role of the user (one with a null role_name when they have none)."""
    return (stmt.outerjoin(UserRole, UserRole.user_id == User.id)
            .outerjoin(Role, Role.id == UserRole.role_id))


_USER_BY_NAME = _with_roles(select(*_USER_COLUMNS).select_from(User)).where(
    User.username == bindparam("username"))
_RECORD_LOGIN = (
    update(User)
    .where(User.id == bindparam("user_id"))
    .values(last_login=bindparam("now"), login_count=User.login_count + 1,
            failed_login_count=0)
)
_RECORD_FAILED_LOGIN = (
    update(User)
    .where(User.id == bindparam("user_id"))
    .values(failed_login_count=User.failed_login_count + 1)
)
_TOKEN_BY_HASH = _with_roles(
    select(
        *_USER_COLUMNS,
        ApiToken.id.label("token_id"),
        ApiToken.scopes,
        ApiToken.dag_ids,
        ApiToken.expires_at,
        ApiToken.last_used_at,
    )
    .select_from(ApiToken)
    .join(User, User.id == ApiToken.user_id)
).where(ApiToken.token_hash == bindparam("digest"))
def unauthorized(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers=_CHALLENGE)


class Throttled(Exception):
    """Too many wrong passwords for this username or from this address: wait `wait` s."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"too many failed sign-ins; try again in {wait:.0f} s")
        self.wait = wait


def too_many(exc: Throttled) -> HTTPException:
    return HTTPException(429, str(exc), headers={"Retry-After": str(max(1, round(exc.wait)))})


async def _off_loop(state: AppState, fn: Any, *args: Any) -> Any:
    """Run a blocking lookup: inline on SQLite (a local read, cheaper than a thread hop),
    in the thread pool on a networked database, whose round trip must not stall every
    other request on the event loop."""
    if state.db.engine.dialect.name == "sqlite":
        return fn(*args)
    return await run_in_threadpool(fn, *args)


@dataclass(frozen=True)
class _Found:
    """A user (or token) row, the user's role names and those roles' permissions."""

    row: Any
    roles: tuple[str, ...]
    perms: Permissions

    def principal(self, **token: Any) -> Principal:
        return Principal(self.row.id, self.row.username, self.roles, self.perms, **token)


def _first(state: AppState, stmt: Any, params: dict[str, Any]) -> _Found | None:
    with state.db.engine.connect() as conn:  # Core, not a Session: this runs on every request
        rows = conn.execute(stmt, params).all()
    if not rows:
        return None
    roles = tuple(sorted({r.role_name for r in rows if r.role_name}))
    if not state.roles.fresh(rows[0].role_revision):
        state.roles.reload(state.db.engine)  # some process changed a role
    return _Found(rows[0], roles, state.roles.permissions(roles))


async def _basic(state: AppState, raw: str, client: str | None) -> Principal:
    try:
        decoded = base64.b64decode(raw, validate=True).decode()
        username, _, password = decoded.partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized("malformed Basic credentials") from None
    found = await _off_loop(state, _first, state, _USER_BY_NAME, {"username": username})
    user = None if found is None else found.row
    if (found is not None and user.is_active
            and state.credentials.matches(username, password, user.password_hash)):
        return found.principal()  # verified before: no argon2
    try:
        who = await run_in_threadpool(_fresh_login, state, found, username, password, client)
    except Throttled as exc:
        raise too_many(exc) from None
    if who is None:
        raise unauthorized("invalid credentials")
    state.credentials.remember(username, password, user.password_hash)
    return who


def password_login(state: AppState, username: str, password: str,
                   client: str | None = None) -> Principal | None:
    """A fresh password login (the web UI's sign-in form): argon2 always runs, and the
    outcome is counted like a Basic login's. None for an unknown/inactive user or a wrong
    password; Throttled after repeated failures. Blocking (argon2): call it from the
    thread pool."""
    found = _first(state, _USER_BY_NAME, {"username": username})
    return _fresh_login(state, found, username, password, client)


def _fresh_login(state: AppState, found: _Found | None, username: str, password: str,
                 client: str | None) -> Principal | None:
    """argon2 for every attempt that is let through, also for an unknown or inactive user
    (against a dummy hash), so response times do not tell which usernames exist."""
    keys = login_throttle.keys(username, client)
    if (wait := state.throttle.wait_for(*keys)) > 0:
        raise Throttled(wait)
    user = None if found is None else found.row
    if found is None or not user.is_active:
        verify_password(dummy_hash(), password)
        ok = False
    else:
        ok = _login(state, user.id, user.password_hash, password)
    if ok:
        state.throttle.succeeded(*keys)
        return found.principal()
    if state.throttle.failed(*keys):
        with state.db.write_connection() as conn:
            event_log.record(conn, "login.throttled", username, extra={
                "client": client, "wait_sec": state.throttle.wait_for(*keys)})
    return None


async def _cookie(state: AppState, request: Request, secret: str) -> Principal:
    """A browser session (`crosswind.api.sessions`): state-changing requests must carry its
    CSRF token, so another site cannot make a signed-in browser act. These 401s challenge
    Bearer only: a Basic challenge would pop the browser's password dialog over the UI."""
    found = await _off_loop(state, sessions.lookup, state, secret)
    if found is None:
        raise HTTPException(401, "session expired or signed out",
                            headers={"WWW-Authenticate": 'Bearer realm="Crosswind"'})
    if request.method not in sessions.SAFE_METHODS and not sessions.csrf_matches(
            found, request.headers.get(sessions.CSRF_HEADER)):
        raise Forbidden("missing or wrong CSRF token (header X-CSRF-Token)")
    return Principal(found.user_id, found.username, found.roles, found.perms)


def _login(state: AppState, user_id: int, password_hash: str, password: str) -> bool:
    """A fresh login (argon2 ran; not a remembered credential): verify, and on success count
    it in `last_login`/`login_count` (and reset `failed_login_count`), a failure in
    `failed_login_count`, as Airflow does. Runs in the thread pool: both are slow."""
    ok = verify_password(password_hash, password)
    with state.db.write_connection() as conn:  # as Flask-AppBuilder counts them for Airflow
        if ok:
            conn.execute(_RECORD_LOGIN, {"user_id": user_id, "now": utcnow()})
        else:
            conn.execute(_RECORD_FAILED_LOGIN, {"user_id": user_id})
    return ok


def _touch(state: AppState, token_id: int, now: datetime) -> None:
    with state.db.write() as s:
        s.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))


async def _bearer(state: AppState, secret: str) -> Principal:
    now = utcnow()
    found = await _off_loop(state, _first, state, _TOKEN_BY_HASH,
                            {"digest": token_digest(secret.strip())})
    if found is None:
        raise unauthorized("invalid or revoked token")
    token = found.row
    if not token.is_active:
        raise unauthorized("invalid credentials")
    if token.expires_at is not None and token.expires_at <= now:
        raise unauthorized("token expired")
    if token.last_used_at is None or now - token.last_used_at > _LAST_USED_GRANULARITY:
        await run_in_threadpool(_touch, state, token.token_id, now)
    return found.principal(
        scopes=frozenset(token.scopes),
        token_dag_ids=None if token.dag_ids is None else frozenset(token.dag_ids),
        token_id=token.token_id,
    )


async def authenticate(request: Request) -> Principal:
    state: AppState = request.app.state.cw
    header = request.headers.get("authorization")
    if not header:
        if secret := request.cookies.get(sessions.COOKIE):
            return await _cookie(state, request, secret)
        raise unauthorized("authentication required")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        return await _basic(state, value.strip(), request.client.host if request.client else None)
    if scheme == "bearer" and value.strip():
        return await _bearer(state, value)
    raise unauthorized("unsupported authorization scheme")
