"""Polling helpers of the dataset engine tests (through the REST API only)."""

from __future__ import annotations

import time

import httpx


def wait_for(fn, what: str, timeout: float = 60):  # type: ignore[no-untyped-def]
    """Poll fn() every 50 ms until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def runs_of(api: httpx.Client, dag_id: str) -> list[dict]:
    r = api.get(f"/dags/{dag_id}/dagRuns", params={"order_by": "execution_date"})
    assert r.status_code == 200, r.text
    return r.json()["dag_runs"]


def finished_runs(api: httpx.Client, dag_id: str, n: int) -> list[dict]:
    """Wait until dag_id has at least n runs, all finished; returns them oldest first."""
    def done() -> list[dict] | None:
        runs = runs_of(api, dag_id)
        if len(runs) >= n and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        return None
    return wait_for(done, f"{n} finished runs of {dag_id}")
