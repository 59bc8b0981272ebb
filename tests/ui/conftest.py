"""Browser fixtures: Playwright driving Debian's Chromium (never a downloaded browser).

Skipped with a visible reason when /usr/bin/chromium or the playwright package is missing,
a hard failure in CI (CI=true), like the service fixtures. A failing test leaves a
screenshot under tmp/artifacts/ui/ at the repository root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.servers import ADMIN, Server

CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ARTIFACTS = Path(__file__).resolve().parents[2] / "tmp" / "artifacts" / "ui"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


# Module scope, not session: Playwright's sync API keeps an asyncio loop running in this
# thread while it lives, which would break asyncio.run() in the worker's other tests.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        _unavailable(f"browser tests need Debian's Chromium at {CHROMIUM} "
                     "(apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("browser tests need the playwright package (pip install -e '.[test]')")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.ui_failed = report.failed  # type: ignore[attr-defined]
    return report


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) per test; a screenshot if the test failed."""
    context = browser.new_context()
    context.set_default_timeout(10_000)
    pg = context.new_page()
    try:
        yield pg
    finally:
        if getattr(request.node, "ui_failed", False):
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
            try:
                pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"no screenshot: {exc}")
        context.close()


def sign_in(page: Any, server: Server, credentials: tuple[str, str] = ADMIN,
            path: str = "/") -> None:
    """Open `path` (signed out it redirects to the sign-in form) and sign in there."""
    page.goto(server.url + path)
    page.get_by_label("Username").fill(credentials[0])
    page.get_by_label("Password").fill(credentials[1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def signed_in(page: Any, server: Server) -> Callable[..., Any]:
    """`signed_in(credentials=ADMIN, path="/")`: the page, signed in and at `path`."""

    def go(credentials: tuple[str, str] = ADMIN, path: str = "/") -> Any:
        sign_in(page, server, credentials, path)
        return page

    return go


# A real engine (scheduler, fork server, task processes) for the live views: one standalone
# per backend per test process, shared by the modules that run tasks.
ENGINE_ENV = {
    "CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION": "false",
    "CROSSWIND_SCHEDULER_HEARTBEAT_SEC": "0.5",
}


@pytest.fixture(scope="session")
def engine(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    from support.databases import database_for

    home = tmp_path_factory.mktemp(f"ui-engine-{backend}")
    with database_for(backend, home) as url:
        srv = Server(home, url, command="standalone", env=ENGINE_ENV).start()
        try:
            yield srv
        finally:
            srv.stop()


def deploy(engine: Server, files: dict[str, str], dag_ids: list[str],
           timeout: float = 60) -> None:
    """Put DAG files into the engine's folder and wait until its own DAG processor has
    parsed them (a scan from the test too would race it for the same rows)."""
    import time

    from support.dagfiles import write_dags

    write_dags(engine.home, files)
    deadline = time.monotonic() + timeout
    with engine.client() as api:
        for dag_id in dag_ids:
            while api.get(f"/dags/{dag_id}").status_code != 200:
                assert time.monotonic() < deadline, f"{dag_id} never parsed: {engine.log()[-2000:]}"
                time.sleep(0.1)
