"""Sign-in and sign-out.

The sign-in form is itself protected against login CSRF by a double-submit token: GET /login
sets a short-lived cookie and puts the same value in a hidden field; POST /login demands both
match. Sign-out is a POST carrying the session's CSRF token.
"""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from crosswind.api import sessions
from crosswind.api.auth import Throttled, password_login
from crosswind.api.state import AppState
from crosswind.ui.templating import render

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "crosswind_login_csrf"
MAX_FORM_BYTES = 16_384  # a sign-in form is a few hundred bytes


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of a urlencoded HTML form (first value of each). Parsed here rather than
    with FastAPI's Form(), which needs the python-multipart package for these two forms."""
    raw = await request.body()
    if len(raw) > MAX_FORM_BYTES:
        return {}
    parsed = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    return {k: v[0] for k, v in parsed.items()}


def safe_next(target: str | None) -> str:
    """Only a path on this server (no scheme, host or `//`): an open redirect would let a
    link to our login page send the signed-in user anywhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/dags"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return "/dags"
    return target


def _form(request: Request, next_url: str, error: str | None, username: str = "",
          status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status_code=status, next_url=next_url,
                      error=error, username=username, login_csrf=token)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, max_age=3600, path="/login", httponly=True,
                        samesite="lax", secure=request.url.scheme == "https")
    return response


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    return _form(request, safe_next(next), None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = await form_fields(request)
    username, password = form.get("username", ""), form.get("password", "")
    csrf_token, next = form.get("csrf_token", ""), form.get("next")
    state: AppState = request.app.state.cw
    target = safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf_token.encode()):
        return _form(request, target, "The form expired; please sign in again.",
                     username=username, status=400)
    try:
        who = await run_in_threadpool(password_login, state, username, password,
                                      request.client.host if request.client else None)
    except Throttled as exc:
        return _form(request, target, f"Too many failed sign-ins; try again in "
                     f"{max(1, round(exc.wait))} s.", username=username, status=429)
    if who is None:
        return _form(request, target, "Wrong username or password.", username=username,
                     status=401)
    secret, _ = await run_in_threadpool(sessions.create, state, who.user_id)
    response = RedirectResponse(target, status_code=303)
    sessions.set_cookie(response, request, secret,
                        max_age=state.settings.session_lifetime_minutes * 60)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    csrf_token = (await form_fields(request)).get("csrf_token", "")
    state: AppState = request.app.state.cw
    secret = request.cookies.get(sessions.COOKIE)
    found = sessions.lookup(state, secret) if secret else None
    if found is not None:
        if not sessions.csrf_matches(found, csrf_token):
            return Response("missing or wrong CSRF token", status_code=403,
                            media_type="text/plain")
        await run_in_threadpool(sessions.end, state, secret)
    response = RedirectResponse("/login", status_code=303)
    sessions.clear_cookie(response, request)
    return response
