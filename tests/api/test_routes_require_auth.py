"""Every API route but /health and /version answers 401 without credentials, in both dialects.

The route table is read from an app built in-process (nothing is served from it); the
requests go to the real server. Routes added later are covered automatically.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount

from crosswind.api.app import build_state, create_app
from crosswind.settings import load_settings

PUBLIC = {("GET", "/health"), ("GET", "/version")}
# FastAPI's own documentation routes: the OpenAPI document and docs page are public by design.
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect"}


def _walk(routes: list, prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of the API routes, descending into included routers (FastAPI >= 0.16x
    keeps an included router as one entry that points at the original)."""
    out = []
    for route in routes:
        if isinstance(route, APIRoute):
            out.extend((m, prefix + route.path) for m in sorted(route.methods))
        elif hasattr(route, "original_router"):
            sub = prefix + getattr(getattr(route, "include_context", None), "prefix", "")
            out.extend(_walk(route.original_router.routes, sub))
        else:
            assert getattr(route, "path", None) in DOCS, f"unexpected non-API route {route!r}"
    return out


def _route_table(home: Path) -> list[tuple[str, str, str]]:
    """(mount prefix, method, path template) of every API route."""
    state = build_state(load_settings({"CROSSWIND_HOME": str(home)}))
    try:
        app = create_app(state)
        out = []
        for mount in app.routes:
            if not isinstance(mount, Mount):
                continue
            out.extend((mount.path, m, p) for m, p in _walk(mount.routes))
        return out
    finally:
        state.db.dispose()


ROUTES = _route_table(Path(__import__("tempfile").mkdtemp(prefix="cw-routes-")))


def _fill(path: str) -> str:
    path = re.sub(r"\{[^}]+:int\}", "0", path)  # an int convertor matches digits only
    return re.sub(r"\{[^}]+\}", "dummy", path)


def test_route_table_is_complete() -> None:
    prefixes = {p for p, _, _ in ROUTES}
    assert prefixes == {"/api/v1", "/airflow/api/v1"}
    seed = {(m, p) for pre, m, p in ROUTES if pre == "/api/v1"}
    assert seed == {(m, p) for pre, m, p in ROUTES if pre == "/airflow/api/v1"}
    for needed in [("GET", "/variables"), ("POST", "/connections"),
                   ("DELETE", "/pools/{pool_name}"),
                   ("PATCH", "/users/{username}"), ("POST", "/users/{username}/tokens"),
                   ("DELETE", "/users/{username}/tokens/{token_id}")]:
        assert needed in seed


@pytest.mark.parametrize(("prefix", "method", "path"), ROUTES,
                         ids=[f"{pre}:{m}:{p}" for pre, m, p in ROUTES])
def test_route_requires_credentials(server, prefix: str, method: str, path: str) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.request(method, prefix + _fill(path), json={} if method in ("POST", "PUT", "PATCH")
                      else None)
    if (method, path) in PUBLIC:
        assert r.status_code == 200
        return
    assert r.status_code == 401, f"{method} {prefix}{path}: {r.status_code} {r.text[:200]}"
    assert "WWW-Authenticate" in r.headers
    assert r.headers["content-type"].startswith("application/problem+json")
