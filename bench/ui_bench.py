"""Web UI: time until the page is drawn, in Debian's Chromium, at scale.

    .venv/bin/python bench/ui_bench.py            # throw-away server (SQLite), prints a table
    .venv/bin/python bench/ui_bench.py --record   # also update bench/README.md

Scenarios (issue 13): the DAGs page with 1,000 DAGs (first page, recent runs filled in),
the grid of a 1,000-task DAG with 25 runs (the rows in view drawn: the grid keeps only
those in the DOM), the graph of a 502-task DAG in 10 task groups (every node drawn) and the
log of a 200 MB try (its tail shown: the page never reads it whole). Each is loaded `--repeat`
times in a signed-in page; the median from navigation start until the page's script has drawn
everything is reported, next to the server time of the data endpoint alone.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import readme_section  # bench/ is on sys.path when a script runs

SECTION = "## Web UI (issue 13)"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MANY_DAGS = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
for i in range({start}, {end}):
    with DAG(f"bench_dag_{{i:04d}}", schedule="@daily", start_date=datetime(2024, 1, 1),
             tags=["bench", f"group{{i % 10}}"], default_args={{"owner": "bench"}}) as d:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    globals()[f"d{{i}}"] = d
"""
WIDE_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
with DAG("bench_wide", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    prev = None
    for i in range(1000):
        t = EmptyOperator(task_id=f"task_{i:04d}")
        if prev is not None and i % 10:
            prev >> t
        prev = t
"""
GRAPH_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.task_group import TaskGroup
with DAG("bench_graph", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    start, end = EmptyOperator(task_id="start"), EmptyOperator(task_id="end")
    for g in range(10):
        with TaskGroup(f"group_{g}"):
            for lane in range(5):
                prev = start
                for step in range(10):
                    t = EmptyOperator(task_id=f"t_{lane}_{step}")
                    prev >> t
                    prev = t
                prev >> end
"""
LOG_BYTES = 200 * 1024 * 1024
LOG_LINE = b"[2024-01-01 00:00:00,000] {bench.py:1} INFO - a line of a long task's log, number "


def write_big_log(home: Path) -> None:
    """A 200 MB log for try 1 of bench_graph.start in its first run, where the local
    executor would have written it."""
    from crosswind.execution.log_paths import log_path
    from crosswind.settings import load_settings

    settings = load_settings({"CROSSWIND_HOME": str(home)})
    path = log_path(settings.logs_path, "bench_graph", "bench_log", "start", 1, -1)
    path.parent.mkdir(parents=True, exist_ok=True)
    block = b"".join(LOG_LINE + b"%d\n" % i for i in range(10_000))
    with path.open("wb") as f:
        while f.tell() < LOG_BYTES:
            f.write(block)


@contextmanager
def server() -> Iterator[tuple[str, tuple[str, str], Path]]:
    home = Path(tempfile.mkdtemp(prefix="cw-uibench-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    auth = ("admin", "bench-" + uuid.uuid4().hex[:8])
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")}
    env.update(CROSSWIND_HOME=str(home), CROSSWIND_ADMIN_USERNAME=auth[0],
               CROSSWIND_ADMIN_PASSWORD=auth[1])
    log = open(home / "server.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "crosswind", "api-server", "--port", str(port)],
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError((home / "server.log").read_text()[-2000:])
        yield url, auth, home
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


def populate(url: str, auth: tuple[str, str], home: Path) -> None:
    """1,000 DAGs in 20 files, one 1,000-task DAG, 25 runs of it with mixed states, and a
    few runs of the first page's DAGs."""
    from crosswind.dags.processor import DagProcessor
    from crosswind.db.engine import Database
    from crosswind.settings import load_settings

    folder = home / "dags"
    folder.mkdir(exist_ok=True)
    for n in range(20):
        (folder / f"many_{n:02d}.py").write_text(MANY_DAGS.format(start=n * 50, end=n * 50 + 50))
    (folder / "wide.py").write_text(WIDE_DAG)
    (folder / "graph.py").write_text(GRAPH_DAG)
    settings = load_settings({"CROSSWIND_HOME": str(home)})
    db = Database(settings.db_url, pool_size=2)
    DagProcessor(settings, db, concurrency=2).tick()
    with httpx.Client(base_url=url + "/api/v1", auth=auth, timeout=120) as api:
        for day in range(1, 26):
            r = api.post("/dags/bench_wide/dagRuns",
                         json={"logical_date": f"2024-01-{day:02d}T00:00:00+00:00"})
            r.raise_for_status()
        for i in range(25):
            for day in range(1, 4):
                api.post(f"/dags/bench_dag_{i:04d}/dagRuns",
                         json={"logical_date": f"2024-01-{day:02d}T00:00:00+00:00"})
        api.post("/dags/bench_graph/dagRuns", json={"dag_run_id": "bench_log"}).raise_for_status()
    write_big_log(home)
    from sqlalchemy import text
    with db.write_connection() as conn:  # the log's try ran
        conn.execute(text("UPDATE task_instances SET try_number = 1, state = 'success' "
                          "WHERE dag_id = 'bench_graph' AND task_id = 'start'"))
    with db.write_connection() as conn:  # colour the grid: most succeeded, some did not
        conn.execute(text("UPDATE task_instances SET state = CASE id % 7 WHEN 0 THEN 'failed' "
                          "WHEN 1 THEN 'running' WHEN 2 THEN 'upstream_failed' ELSE 'success' END "
                          "WHERE dag_id = 'bench_wide'"))
    db.dispose()


def timed_pages(url: str, auth: tuple[str, str], repeat: int) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    scenarios: dict[str, tuple[str, Callable[..., None]]] = {
        "DAGs page, 1,000 DAGs": ("/dags", lambda p: p.wait_for_function(
            "document.querySelectorAll('td.runs .state').length >= 75")),
        "grid, 1,000 tasks x 25 runs": ("/dags/bench_wide/grid", lambda p: p.wait_for_function(
            "document.getElementById('grid-status').textContent.includes('1000 tasks') "
            "&& document.querySelectorAll('.grid-body .cell').length > 0")),
        "graph, 502 tasks in 10 groups": ("/dags/bench_graph/graph", lambda p: p.wait_for_function(
            "document.querySelectorAll('svg.graph .node').length === 502")),
        "log of a 200 MB try": ("/dags/bench_graph/runs/bench_log/tasks/start?tab=log",
                                lambda p: p.wait_for_function(
            "document.getElementById('log').textContent.length > 100000")),
    }
    out = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(url + "/login")
        page.get_by_label("Username").fill(auth[0])
        page.get_by_label("Password").fill(auth[1])
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/dags"))
        for name, (path, ready) in scenarios.items():
            times = []
            for _ in range(repeat + 1):  # the first load warms caches; not counted
                t0 = time.perf_counter()
                page.goto(url + path)
                ready(page)
                times.append(time.perf_counter() - t0)
            out[name] = statistics.median(times[1:])
        browser.close()
    return out


def endpoint_times(url: str, auth: tuple[str, str], repeat: int) -> dict[str, float]:
    paths = {"DAGs page, 1,000 DAGs": "/api/v1/dags?limit=25&offset=0&order_by=dag_id",
             "grid, 1,000 tasks x 25 runs": "/ui/data/dags/bench_wide/grid?runs=25",
             "graph, 502 tasks in 10 groups": "/ui/data/dags/bench_graph/graph",
             "log of a 200 MB try": "/ui/data/dags/bench_graph/dagRuns/bench_log/taskInstances"
                                    "/start/logs/1/window"}
    out = {}
    with httpx.Client(base_url=url, auth=auth, timeout=60) as c:
        for name, path in paths.items():
            times = []
            for _ in range(repeat + 1):
                t0 = time.perf_counter()
                c.get(path).raise_for_status()
                times.append(time.perf_counter() - t0)
            out[name] = statistics.median(times[1:])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    with server() as (url, auth, home):
        populate(url, auth, home)
        pages = timed_pages(url, auth, args.repeat)
        data = endpoint_times(url, auth, args.repeat)
    lines = ["| page | drawn in the browser (median) | its data endpoint (median) |",
             "|---|---:|---:|"]
    lines += [f"| {k} | {pages[k] * 1000:.0f} ms | {data[k] * 1000:.0f} ms |" for k in pages]
    table = "\n".join(lines)
    print(table)
    if args.record:
        readme_section.record(
            SECTION, f"`bench/ui_bench.py` (SQLite, headless Chromium, median of "
            f"{args.repeat} loads after a warm-up; from navigation start until the page's script "
            "has drawn the first page of DAGs with their runs / the grid's rows in view). "
            "Goal: under 1 s each; Airflow 2's grid takes 30 s and more for ~1,000 tasks.",
            table)


if __name__ == "__main__":
    main()
