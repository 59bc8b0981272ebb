"""DAG processing: 1,000 DAG files x 10 tasks from cold, a no-change rescan, how fast a new or
edited file shows in the API, and GET /api/v1/dags?limit=100 with those 1,000 DAGs.

    .venv/bin/python bench/dag_processor_bench.py            # SQLite in a temporary home
    .venv/bin/python bench/dag_processor_bench.py --database-url postgresql+psycopg://...
    .venv/bin/python bench/dag_processor_bench.py --record   # also update bench/README.md

Cold and rescan run `DagProcessor.tick()` in this process (what `crosswind dag-processor`
runs). Visibility runs a real `crosswind dag-processor` and `crosswind api-server` and polls
GET /api/v1/dags/{id} every 10 ms after writing a file. Bars (issue 3): cold <= 30 s, rescan
< 1 s, visible <= 2 s, GET /dags >= 50x Airflow 2 (4.3 req/s at c=1, 7.5 req/s at c=8).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import readme_section  # bench/ is on sys.path when a script runs

SECTION = "## DAG processing (issue 3)"
AUTH = ("admin", "bench-dag-processor")
DAGS, HEALTH = "GET /dags?limit=100", "GET /health (no auth)"
AIRFLOW_DAGS = {1: 4.3, 8: 7.5}  # GET /dags?limit=100 req/s, shared/reference/airflow-2-figures.md

TEMPLATE = '''"""Bench DAG {n:04d}: {tasks} chained BashOperators."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(
    dag_id="bench_proc_{n:04d}",
    schedule={schedule!r},
    start_date=datetime(2024, 1, 1),
    catchup=False,
    description="{description}",
    tags=["bench", "group_{group}"],
) as dag:
    tasks = [BashOperator(task_id=f"step_{{i}}", bash_command="true") for i in range({tasks})]
    for up, down in zip(tasks, tasks[1:]):
        up >> down
'''


def dag_file(n: int, tasks: int, description: str = "bench") -> str:
    schedule = [None, "@daily", "0 * * * *"][n % 3]
    return TEMPLATE.format(n=n, tasks=tasks, schedule=schedule, description=description,
                           group=n % 10)


def generate(folder: Path, count: int, tasks: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"bench_proc_{n:04d}.py").write_text(dag_file(n, tasks))


def env_for(home: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")}
    env.update(CROSSWIND_HOME=str(home), CROSSWIND_DATABASE_URL=database_url,
               CROSSWIND_ADMIN_USERNAME=AUTH[0], CROSSWIND_ADMIN_PASSWORD=AUTH[1])
    return env


def cold_and_rescan(home: Path, database_url: str) -> dict[str, float]:
    from crosswind.dags.processor import DagProcessor
    from crosswind.db.engine import Database
    from crosswind.settings import load_settings
    from crosswind.store.bootstrap import prepare

    settings = load_settings(env_for(home, database_url))
    db = Database(database_url)
    prepare(db, settings)
    proc = DagProcessor(settings, db)
    cold = proc.tick()
    if cold.import_errors or cold.dags_written != cold.files:
        raise RuntimeError(f"unexpected cold scan: {cold}")
    rescans = [proc.tick() for _ in range(5)]
    if any(r.parsed for r in rescans):
        raise RuntimeError(f"a no-change rescan parsed files: {rescans}")
    db.dispose()
    return {"files": cold.files, "cold": cold.duration,
            "rescan": statistics.median(r.duration for r in rescans)}


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) of every live process in process group `pgid`."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after "(comm)": state ppid pgrp ... utime stime
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


@contextmanager
def processes(home: Path, database_url: str, workers: int) -> Iterator[tuple[str, int]]:
    """A real api-server and dag-processor on the same store; yields (API URL, its pgid)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = env_for(home, database_url)
    started = []
    api = ["api-server", "--port", str(port), "--workers", str(workers)]
    for args in (api, ["dag-processor"]):
        log = open(home / f"{args[0]}.log", "wb")  # noqa: SIM115 - child keeps its copy
        started.append(subprocess.Popen([sys.executable, "-m", "crosswind", *args], env=env,
                                        stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True))
        log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                health = httpx.get(url + "/api/v1/health", timeout=1).json()
                if health["dag_processor"]["status"] == "healthy":
                    break
            except (httpx.TransportError, ValueError, KeyError):
                pass
            time.sleep(0.1)
        else:
            raise RuntimeError("processes not healthy: " + (home / "api-server.log").read_text())
        time.sleep(1.0)  # let the processor's first (no-change) scan finish
        yield url, started[0].pid
    finally:
        for p in started:
            os.killpg(p.pid, signal.SIGTERM)
            p.wait(timeout=30)


def visibility(url: str, folder: Path, tasks: int, rounds: int = 5) -> dict[str, list[float]]:
    """Seconds from writing a new / edited file to the API showing it."""
    out: dict[str, list[float]] = {"new": [], "edit": []}
    with httpx.Client(base_url=url + "/api/v1", auth=AUTH, timeout=30) as c:
        for i in range(rounds):
            n = 9000 + i
            t0 = time.monotonic()
            (folder / f"bench_proc_{n:04d}.py").write_text(dag_file(n, tasks))
            while c.get(f"/dags/bench_proc_{n:04d}").status_code != 200:
                time.sleep(0.01)
            out["new"].append(time.monotonic() - t0)
            text = f"edited {i}"
            t0 = time.monotonic()
            (folder / f"bench_proc_{i:04d}.py").write_text(dag_file(i, tasks, text))
            while c.get(f"/dags/bench_proc_{i:04d}").json()["description"] != text:
                time.sleep(0.01)
            out["edit"].append(time.monotonic() - t0)
    return out


Load = tuple[float, float, float, float]  # req/s, p50 ms, p99 ms, server CPU ms per request


def load(url: str, pgid: int, path: str, threads: int, seconds: float) -> Load:
    """GET `path` (Basic auth on every request) from `threads` clients for `seconds`."""
    samples: list[float] = []
    lock = threading.Lock()
    cpu0 = group_cpu_seconds(pgid)
    stop = time.monotonic() + seconds

    def worker() -> None:
        mine = []
        with httpx.Client(base_url=url, auth=AUTH, timeout=30) as c:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                r = c.get(path)
                mine.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    raise RuntimeError(f"bad response {r.status_code}")
        with lock:
            samples.extend(mine)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    cpu = group_cpu_seconds(pgid) - cpu0
    ordered = sorted(samples)
    return (len(ordered) / seconds, ordered[len(ordered) // 2] * 1000,
            ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
            cpu / len(ordered) * 1000)


def handler_ms(home: Path, database_url: str, rounds: int = 200) -> float:
    """The list handler alone, in this process (no HTTP, no auth): ms per call."""
    from crosswind.api.app import build_state
    from crosswind.api.auth import Principal
    from crosswind.api.dialects import Dialect
    from crosswind.api.pagination import Page
    from crosswind.api.routes.dags import list_dags
    from crosswind.roles import ADMIN, Permissions
    from crosswind.settings import load_settings

    state = build_state(load_settings(env_for(home, database_url)))
    admin = Principal(0, "bench", ("Admin",), Permissions(ADMIN))

    def call() -> None:
        list_dags(state, Page(100, 0, None), Dialect.SEED, admin, None, True, None, None, None)

    call()
    t0 = time.perf_counter()
    for _ in range(rounds):
        call()
    state.db.dispose()
    return (time.perf_counter() - t0) / rounds * 1000


def report(scan: dict[str, float], seen: dict[str, list[float]],
           api: dict[tuple[str, int], Load], tasks: int, handler: float) -> str:
    def ok(good: bool) -> str:
        return "yes" if good else "**NO**"

    lines = ["| measurement | result | bar | met |", "|---|---|---|---|",
             f"| cold: {int(scan['files']):,} files x {tasks} tasks | {scan['cold']:.1f} s "
             f"| <= 30 s | {ok(scan['cold'] <= 30)} |",
             f"| no-change rescan (median of 5) | {scan['rescan'] * 1000:.0f} ms | < 1 s "
             f"| {ok(scan['rescan'] < 1)} |"]
    for kind, values in seen.items():
        lines.append(f"| {kind} file visible in API (median / max of {len(values)}) "
                     f"| {statistics.median(values):.2f} s / {max(values):.2f} s | <= 2 s "
                     f"| {ok(max(values) <= 2)} |")
    lines.append(f"| GET /dags?limit=100 handler alone (in-process, no HTTP/auth) "
                 f"| {handler:.2f} ms | | |")
    lines += ["", "| request | concurrency | req/s | p50 ms | p99 ms | server CPU ms/req "
              "| vs Airflow 2 (bar 50x) | vs /health |", "|---|---|---|---|---|---|---|---|"]
    for (name, conc), (rps, p50, p99, cpu) in api.items():
        health = api[(HEALTH, conc)][0]
        base = AIRFLOW_DAGS[conc] if name == DAGS else None
        vs = f"{rps / base:.0f}x ({base} req/s)" if base else ""
        lines.append(f"| {name} | {conc} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {cpu:.2f} "
                     f"| {vs} | {rps / health:.2f} |")
    return "\n".join(lines)


def record(body: str, backend: str) -> None:
    readme_section.record(SECTION, (
        f"{backend}; "
        "`bench/dag_processor_bench.py --record`. Airflow 2 figures: "
        "shared/reference/airflow-2-figures.md."), body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--tasks", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--database-url", help="default: SQLite in the temporary home")
    ap.add_argument("--api-workers", type=int, default=2,
                    help="api-server worker processes (Airflow's figures used 4 gunicorn workers)")
    ap.add_argument("--record", action="store_true", help="write the table into bench/README.md")
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cw-dagbench-"))
    url = args.database_url or f"sqlite:///{home / 'crosswind.db'}"
    generate(home / "dags", args.files, args.tasks)
    scan = cold_and_rescan(home, url)
    print(f"cold {scan['cold']:.2f} s, rescan {scan['rescan'] * 1000:.0f} ms", flush=True)
    load_before = os.getloadavg()[0]
    with processes(home, url, args.api_workers) as (api_url, pgid):
        seen = visibility(api_url, home / "dags", args.tasks)
        print(f"visibility {seen}", flush=True)
        api = {(name, c): load(api_url, pgid, path, c, args.seconds)
               for name, path in ((DAGS, "/api/v1/dags?limit=100"), (HEALTH, "/api/v1/health"))
               for c in (1, 8)}
    out = report(scan, seen, api, args.tasks, handler_ms(home, url))
    print(out)
    if args.record:
        backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
        record(out, f"{backend}, api-server --workers {args.api_workers}; 1-minute load "
                    f"average before the run: {load_before:.1f} (shared machine)")


if __name__ == "__main__":
    main()
