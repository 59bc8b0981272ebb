"""The API reference pages work offline: every request they make goes to our server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from support.servers import Server


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_docs_page_lists_operations_without_internet(page: Any, server: Server,
                                                     prefix: str) -> None:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.goto(server.url + prefix + "/docs")
    expect(page.get_by_role("status")).to_have_text(re.compile(r"^\d{2,} operations$"))
    op = page.locator("details.op", has_text="/dags/{dag_id}/dagRuns").first
    expect(op).to_be_visible()
    page.get_by_label("Filter operations").fill("importerrors")
    expect(page.locator("details.op:visible")).to_have_count(2)
    assert seen and all(u.startswith(server.url + "/") for u in seen), seen
    assert server.url + prefix + "/openapi.json" in seen
