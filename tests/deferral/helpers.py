"""Driving the engine through the API, and reading what the API does not show."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

DAGS = Path(__file__).parent / "dags"
ENV = {
    "CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION": "false",
    "CROSSWIND_SCHEDULER_HEARTBEAT_SEC": "0.5",
    "CROSSWIND_TASK_HEARTBEAT_TIMEOUT": "4",
}


def install(home: Path, names: list[str] | None = None) -> None:
    target = home / "dags"
    target.mkdir(parents=True, exist_ok=True)
    for path in DAGS.glob("*.py"):
        if names is None or path.stem in names:
            shutil.copy(path, target / path.name)


def trigger(api: httpx.Client, dag_id: str) -> str:
    deadline = time.monotonic() + 30
    while api.get(f"/dags/{dag_id}").status_code != 200:
        assert time.monotonic() < deadline, f"DAG {dag_id} never appeared"
        time.sleep(0.05)
    assert api.patch(f"/dags/{dag_id}", json={"is_paused": False}).status_code == 200
    r = api.post(f"/dags/{dag_id}/dagRuns", json={})
    assert r.status_code == 200, r.text
    return r.json()["dag_run_id"]


def tis(api: httpx.Client, dag_id: str, run_id: str) -> dict[str, dict]:
    r = api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 100})
    assert r.status_code == 200, r.text
    return {ti["task_id"]: ti for ti in r.json()["task_instances"]}


def wait_run(api: httpx.Client, dag_id: str, run_id: str, timeout: float = 90,
             seen: set[str] | None = None) -> str:
    """Waits for the run to finish; collects every TI state observed on the way."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if seen is not None:
            seen |= {ti["state"] for ti in tis(api, dag_id, run_id).values()}
        state = api.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
        if state in ("success", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"{dag_id}/{run_id} not finished: "
                         f"{ {t: ti['state'] for t, ti in tis(api, dag_id, run_id).items()} }")


def query(home: Path, sql: str, **params: object) -> list:
    engine = create_engine(f"sqlite:///{home / 'crosswind.db'}")
    try:
        with engine.connect() as c:
            return list(c.execute(text(sql), params).all())
    finally:
        engine.dispose()


def tree_memory_mib(root_pid: int) -> tuple[float, float, int]:
    """(RSS sum, PSS sum, process count) of root_pid and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    pids, todo = [], [root_pid]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo += children.get(pid, [])
    rss = pss = 0.0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            pass
    return rss, pss, len(pids)
