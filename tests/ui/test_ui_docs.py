"""The API reference pages work offline: every request they make goes to our server."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from support.servers import ADMIN, Server


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_docs_page_lists_operations_without_internet(page: Any, server: Server,
                                                     prefix: str) -> None:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(server.url + prefix + "/docs")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\d{2,} operations$"),
                                                 timeout=30_000)  # the first build takes ~2 s
    op = page.locator("details.op", has_text="/dags/{dag_id}/dagRuns").first
    expect(op).to_be_visible()
    page.get_by_label("Filter operations").fill("importerrors")
    expect(page.locator("details.op:visible")).to_have_count(2)
    assert seen and all(u.startswith(server.url + "/") for u in seen), seen
    assert server.url + prefix + "/openapi.json" in seen


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_docs_page_authorizes_and_tries_an_operation(page: Any, server: Server,
                                                     prefix: str) -> None:
    sent: list[str | None] = []
    page.on("request", lambda r: sent.append(r.headers.get("authorization"))
            if r.url.startswith(server.url + prefix + "/pools") else None)
    page.goto(server.url + prefix + "/docs")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\d{2,} operations$"),
                                                 timeout=30_000)  # the first build takes ~2 s
    page.get_by_label("Filter operations").fill("get /pools/{pool_name}")
    op = page.locator("details.op:visible").first
    op.locator("summary").first.click()
    op.get_by_text("Try it").click()
    op.get_by_label("pool_name (path)").fill("default_pool")
    result = op.locator(".docs-result")

    op.get_by_role("button", name="Send").click()  # not authorized yet: the API says 401
    expect(result).to_contain_text("401")

    auth = page.get_by_role("form", name="Authorize")
    auth.get_by_label("Username").fill(ADMIN[0])
    auth.get_by_label("Password").fill(ADMIN[1])
    auth.get_by_role("button", name="Authorize").click()
    expect(page.locator("#docs-auth-state")).to_have_text(f"Authorized (Basic, {ADMIN[0]})")
    op.get_by_role("button", name="Send").click()
    expect(result).to_contain_text('"name": "default_pool"')
    assert result.inner_text().startswith("200")

    token = httpx.post(server.url + "/api/v1/users/admin/tokens", auth=ADMIN, timeout=30,
                       json={"name": f"docs-{prefix.count('/')}", "scopes": ["read"]})
    auth.get_by_label("Authorize").select_option("bearer")
    auth.get_by_label("Token").fill(token.json()["token"])
    auth.get_by_role("button", name="Authorize").click()
    op.get_by_role("button", name="Send").click()
    expect(result).to_contain_text('"name": "default_pool"')
    assert sent[0] is None and sent[1].startswith("Basic ") and sent[2].startswith("Bearer ")
    # Kept in memory only: nothing in the page's storage or cookies.
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    assert not page.context.cookies()
