"""Server-side browser sessions (the web UI), stored in `web_sessions`.

The cookie holds an opaque 256-bit secret; the table keeps its SHA-256 (as for API tokens),
the user and a per-session CSRF token. A request authenticated by the cookie must send that
token back (header `X-CSRF-Token`, or form field `csrf_token` for plain HTML forms) on every
method but GET/HEAD/OPTIONS; `crosswind.api.auth` checks it. Lifetime:
`CROSSWIND_SESSION_LIFETIME_MINUTES` (default 43200, 30 days, as Airflow).
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, insert, select
from starlette.requests import Request
from starlette.responses import Response

from crosswind.api.principal import Principal
from crosswind.api.state import AppState
from crosswind.db.base import utcnow
from crosswind.models import Role, RoleRevision, User, UserRole, WebSession
from crosswind.roles import ROLES, Action, Permissions
from crosswind.security import token_digest

COOKIE = "crosswind_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_REVISION = select(RoleRevision.revision).where(RoleRevision.id == 1).scalar_subquery()
_BY_HASH = (
    select(User.id, User.username, User.is_active, WebSession.csrf_token,
           WebSession.expires_at, Role.name.label("role_name"), _REVISION.label("revision"))
    .select_from(WebSession)
    .join(User, User.id == WebSession.user_id)
    .outerjoin(UserRole, UserRole.user_id == User.id)
    .outerjoin(Role, Role.id == UserRole.role_id)
    .where(WebSession.token_hash == bindparam("digest"))
)


@dataclass(frozen=True)
class BrowserSession:
    user_id: int
    username: str
    roles: tuple[str, ...]
    perms: Permissions
    csrf_token: str

    @property
    def role(self) -> str:
        """The most privileged built-in role (shown in the page header), else the first."""
        return next((r for r in ROLES if r in self.roles), self.roles[0] if self.roles
                    else "Public")

    def can(self, resource: str, action: Action, method: str = "PATCH") -> bool:
        return Principal(self.user_id, self.username, self.roles, self.perms).can(
            resource, action, method)


def create(state: AppState, user_id: int) -> tuple[str, str]:
    """A new session of `user_id`: (cookie value, CSRF token). Drops expired sessions too,
    so the table stays the size of the signed-in browsers."""
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = timedelta(minutes=state.settings.session_lifetime_minutes)
    with state.db.write_connection() as conn:
        conn.execute(delete(WebSession).where(WebSession.expires_at <= now))
        conn.execute(insert(WebSession).values(
            token_hash=token_digest(secret), user_id=user_id, csrf_token=csrf,
            created_at=now, expires_at=now + lifetime))
    return secret, csrf


def lookup(state: AppState, secret: str) -> BrowserSession | None:
    """The live session of a cookie value; None when unknown, expired or the user inactive."""
    with state.db.engine.connect() as conn:
        rows = conn.execute(_BY_HASH, {"digest": token_digest(secret)}).all()
    row = rows[0] if rows else None
    if row is None or not row.is_active or row.expires_at <= utcnow():
        return None
    if not state.roles.fresh(row.revision):
        state.roles.reload(state.db.engine)
    roles = tuple(sorted({r.role_name for r in rows if r.role_name}))
    return BrowserSession(row.id, row.username, roles, state.roles.permissions(roles),
                          row.csrf_token)


def end(state: AppState, secret: str) -> None:
    with state.db.write_connection() as conn:
        conn.execute(delete(WebSession).where(WebSession.token_hash == token_digest(secret)))


def csrf_matches(session: BrowserSession, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf_token.encode(), (sent or "").encode())


def set_cookie(response: Response, request: Request, secret: str, max_age: int) -> None:
    # HttpOnly: page scripts never see it; Lax: not sent on cross-site POSTs; Secure when
    # the browser reached us over https (uvicorn applies X-Forwarded-Proto from a proxy).
    response.set_cookie(COOKIE, secret, max_age=max_age, path="/", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")


def clear_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=request.url.scheme == "https")
