"""On PostgreSQL the credential lookup runs off the event loop: while the `users` table is
locked (a slow or stuck lookup), requests that need no user row are still answered."""

from __future__ import annotations

import threading
import time

import httpx
import pytest
from sqlalchemy import text

from support.direct_db import engine_for
from support.servers import Server


def test_a_stuck_user_lookup_does_not_stall_other_requests(server: Server, backend: str) -> None:
    if backend != "postgres":
        pytest.skip("SQLite lookups are local file reads, done inline on purpose")
    with server.client() as c:  # the admin's credential is verified and remembered
        assert c.get("/pools").status_code == 200
    results: dict[str, int] = {}
    with engine_for(server.database_url) as engine, engine.connect() as lock:
        lock.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))

        def authenticated() -> None:
            with server.client() as c:
                results["auth"] = c.get("/pools").status_code

        stuck = threading.Thread(target=authenticated)
        stuck.start()
        # Give its lookup time to reach the lock. Only a wait for the fault to be there: with
        # the lookup on the event loop, the requests below time out however long this is.
        time.sleep(0.5)
        assert "auth" not in results
        with httpx.Client(base_url=server.url, timeout=5) as anon:
            for _ in range(3):
                assert anon.get("/api/v1/version").status_code == 200
        lock.rollback()  # releases the lock
    stuck.join(timeout=30)
    assert results == {"auth": 200}
