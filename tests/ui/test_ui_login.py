"""Sign-in, wrong password, the session cookie, sign-out, sessions surviving a restart."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from crosswind.db.engine import Database
from crosswind.models import User
from crosswind.ui.login import safe_next
from support.servers import ADMIN, Server
from ui.conftest import sign_in


def _failed_logins(server: Server, username: str) -> int:
    db = Database(server.database_url, pool_size=1)
    try:
        with db.read() as s:
            return s.scalar(select(User.failed_login_count).where(User.username == username))
    finally:
        db.dispose()


def test_sign_in_sets_a_safe_cookie_and_sign_out_ends_the_session(page: Any,
                                                                   server: Server) -> None:
    sign_in(page, server, path="/dags?search=nothing-matches-this")
    # Back where the user was going, with the filter of the deep link applied.
    assert page.url.endswith("/dags?search=nothing-matches-this")
    expect(page.get_by_role("heading", name="DAGs")).to_be_visible()
    expect(page.get_by_label("Search")).to_have_value("nothing-matches-this")
    expect(page.get_by_role("status")).to_have_text("No DAGs match.")
    cookie = next(c for c in page.context.cookies() if c["name"] == "crosswind_session")
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # plain http here; Secure is set behind https
    # The page's scripts cannot read the session cookie.
    assert "crosswind_session" not in page.evaluate("document.cookie")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.goto(server.url + "/dags")
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    # Server side: the old cookie is dead even if a copy of it was kept.
    r = httpx.get(server.url + "/api/v1/dags", cookies={cookie["name"]: cookie["value"]})
    assert r.status_code == 401
    # A challenge as the contract wants, but not Basic: no browser password dialog over the UI.
    assert "Basic" not in r.headers["www-authenticate"]


def test_wrong_password_shows_an_error_and_counts_the_failure(page: Any, server: Server,
                                                              make_user) -> None:
    name, password = make_user("Viewer")
    before = _failed_logins(server, name)
    page.goto(server.url + "/login")
    page.get_by_label("Username").fill(name)
    page.get_by_label("Password").fill(password + "-wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page.get_by_label("Username")).to_have_value(name)
    assert _failed_logins(server, name) == before + 1
    assert not [c for c in page.context.cookies() if c["name"] == "crosswind_session"]

    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="DAGs")).to_be_visible()
    assert _failed_logins(server, name) == 0  # reset by a good login, as the API does


def _http_sign_in(url: str, credentials: tuple[str, str] = ADMIN) -> httpx.Client:
    """Sign in through the HTML form with a plain HTTP client (cookie jar kept)."""
    c = httpx.Client(base_url=url, timeout=30)
    form = c.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    r = c.post("/login", data={"username": credentials[0], "password": credentials[1],
                               "csrf_token": token, "next": "/dags"})
    assert r.status_code == 303, r.text
    return c


def test_sign_in_form_needs_its_csrf_token(server: Server) -> None:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.post("/login", data={"username": ADMIN[0], "password": ADMIN[1],
                                   "csrf_token": "forged", "next": "/dags"})
        assert r.status_code == 400
        assert "crosswind_session" not in r.cookies


def test_session_survives_a_restart(make_server) -> None:
    srv = make_server()
    c = _http_sign_in(srv.url)
    try:
        assert c.get("/api/v1/dags").status_code == 200
        srv.restart()
        assert c.get("/api/v1/dags").status_code == 200
        assert c.get("/dags").status_code == 200
    finally:
        c.close()


@pytest.mark.parametrize(("given", "expected"), [
    ("/dags?tag=a", "/dags?tag=a"),
    ("/dags/x/grid", "/dags/x/grid"),
    (None, "/dags"),
    ("", "/dags"),
    ("https://evil.example/", "/dags"),
    ("//evil.example/x", "/dags"),
    ("/\\evil.example", "/dags"),
    ("javascript:alert(1)", "/dags"),
])
def test_only_local_paths_are_followed_after_sign_in(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def test_deactivating_a_user_ends_their_sessions(server: Server, make_user,
                                                 api: httpx.Client) -> None:
    name, password = make_user("User")
    c = _http_sign_in(server.url, (name, password))
    try:
        assert c.get("/api/v1/dags").status_code == 200
        r = api.patch(f"/users/{name}", json={"is_active": False},
                      params={"update_mask": "is_active"})
        assert r.status_code == 200, r.text
        assert c.get("/api/v1/dags").status_code == 401
        assert c.get("/dags").status_code == 303  # back to the sign-in form
    finally:
        c.close()


@pytest.mark.parametrize("command", ["api-server", "standalone"])
def test_both_servers_serve_and_announce_the_ui(make_server, command: str) -> None:
    srv = make_server(command=command)
    assert f"web UI on http://127.0.0.1:{srv.port}/" in srv.log()
    r = httpx.get(srv.url + "/", follow_redirects=True)
    assert r.status_code == 200
    assert 'name="username"' in r.text and str(r.url).startswith(srv.url + "/login")
    assert httpx.get(srv.url + "/static/ui.css").status_code == 200
