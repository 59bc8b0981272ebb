"""API cost with a large history: list endpoints on a database of many runs and TIs.

    .venv/bin/python bench/history_bench.py                       # SQLite, 1,000,000 TIs
    .venv/bin/python bench/history_bench.py --tis-per-run 50 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test  # PostgreSQL, 5M TIs
    .venv/bin/python bench/history_bench.py --record              # also update bench/README.md

A real `crosswind api-server` on a fresh database. First only the DAGs (and one run of 10
task instances each) are there: every endpoint is timed (median of `--repeat` requests at
concurrency 1, Basic auth). Then the history is bulk-inserted with the server stopped
(`--runs-per-dag` runs per DAG, `--tis-per-run` task instances per run, an event-log row per
run; not real runs, so this takes seconds, not days), the server restarted, and every
endpoint timed again, first and deep pages. Issue 15's bar: each within 2x of the first.
On PostgreSQL the database named in the URL gets a fresh `crosswind_history_bench` database
beside it (dropped at the end).
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
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import readme_section  # bench/ is on sys.path when a script runs
from sqlalchemy import Connection, create_engine, text

from crosswind.models.state_event import install_triggers

SECTION = "## History (issue 15)"
START = datetime(2020, 1, 1, tzinfo=UTC)
STATES = ("success", "success", "success", "failed", "skipped")


@contextmanager
def database(url: str | None, home: Path) -> Iterator[str]:
    if not url:
        yield f"sqlite:///{home / 'crosswind.db'}"
        return
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = "crosswind_history_bench"
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


class ApiServer:
    def __init__(self, home: Path, url: str) -> None:
        self.home, self.db_url = home, url
        self.auth = ("admin", "bench-" + uuid.uuid4().hex[:8])
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> str:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")}
        env.update(CROSSWIND_HOME=str(self.home), CROSSWIND_DATABASE_URL=self.db_url,
                   CROSSWIND_ADMIN_USERNAME=self.auth[0], CROSSWIND_ADMIN_PASSWORD=self.auth[1])
        log = open(self.home / "server.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crosswind", "api-server", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        url = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    return url
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError((self.home / "server.log").read_text()[-2000:])

    def stop(self) -> None:
        if self.proc:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None


def _bulk(conn: Connection, table: str, rows: list[dict]) -> None:
    """Driver-level executemany: SQLAlchemy's per-row parameter processing would cost more
    than the inserts (the point is to fill millions of rows in minutes)."""
    if not rows:
        return
    keys = list(rows[0])
    sqlite = conn.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"

    def value(v: object) -> object:
        if sqlite and isinstance(v, datetime):  # as SQLAlchemy stores UTC on SQLite
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return v

    conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(keys)}) "
                         f"VALUES ({', '.join(mark for _ in keys)})",
                         [tuple(value(r[k]) for k in keys) for r in rows])


def fill(db_url: str, dags: int, runs_per_dag: int, tis_per_run: int, first_run: int) -> float:
    """Runs `first_run..runs_per_dag-1` of every DAG with their TIs; seconds taken."""
    t0 = time.perf_counter()
    engine = create_engine(db_url)
    now = datetime.now(UTC)
    with engine.begin() as c:
        # The state-event triggers would copy every inserted row (history, not live
        # events): off while filling, reinstalled after.
        for table, kind in (("task_instances", "task_instance"), ("dag_runs", "dag_run")):
            on = f" ON {table}" if db_url.startswith("postgresql") else ""
            c.execute(text(f"DROP TRIGGER IF EXISTS se_{kind}_insert{on}"))
        if first_run == 0:
            _bulk(c, "dags", [{
                "dag_id": f"dag_{d:04d}", "fileloc": f"/dags/dag_{d:04d}.py", "is_paused": False,
                "is_active": True, "owners": '["bench"]', "tags": '["history"]',
                "schedule": '{"kind": "cron", "value": "@daily"}', "pools": "[]",
                "has_task_concurrency_limits": False} for d in range(dags)])
    for d in range(dags):
        runs, tis, events = [], [], []
        for r in range(first_run, runs_per_dag):
            when = START + timedelta(days=r)
            run_id = f"scheduled__{when.isoformat()}"
            state = STATES[r % len(STATES)] if STATES[r % len(STATES)] != "skipped" else "success"
            runs.append({"dag_id": f"dag_{d:04d}", "run_id": run_id, "logical_date": when,
                         "data_interval_start": when, "data_interval_end": when + timedelta(days=1),
                         "state": state, "run_type": "scheduled", "external_trigger": False,
                         "conf": "{}", "start_date": when, "end_date": when + timedelta(minutes=5),
                         "updated_at": now, "clear_number": 0, "queued_at": when})
            for t in range(tis_per_run):
                tis.append({"dag_id": f"dag_{d:04d}", "run_id": run_id, "task_id": f"task_{t:02d}",
                            "map_index": -1, "state": STATES[(r + t) % len(STATES)],
                            "try_number": 1, "max_tries": 0, "start_date": when,
                            "end_date": when + timedelta(seconds=30), "duration": 30.0,
                            "hostname": "bench", "unixname": "bench", "pool": "default_pool",
                            "pool_slots": 1, "queue": "default", "priority_weight": 1,
                            "operator": "PythonOperator", "updated_at": now})
            events.append({"dttm": when, "event": "dag_run.success", "owner": "bench",
                           "dag_id": f"dag_{d:04d}", "run_id": run_id})
        with engine.begin() as c:
            _bulk(c, "dag_runs", runs)
            _bulk(c, "task_instances", tis)
            _bulk(c, "event_log", events)
    with engine.begin() as c:
        install_triggers(c)
        c.execute(text("ANALYZE"))
    engine.dispose()
    return time.perf_counter() - t0


def endpoints(dags: int, runs: int, tis: int) -> list[tuple[str, str, str, dict | None]]:
    """(name, method, path, body); deep pages are the last page of each list."""
    mid = f"dag_{dags // 2:04d}"
    run = f"scheduled__{START.isoformat()}"
    return [
        ("dags, first page", "GET", "/dags?limit=100", None),
        ("dags, last page", "GET", f"/dags?limit=100&offset={dags - 100}", None),
        ("runs of all DAGs, first page", "GET", "/dags/~/dagRuns?limit=100", None),
        ("runs of all DAGs, last page", "GET", f"/dags/~/dagRuns?limit=100&offset={runs - 100}",
         None),
        ("runs of one DAG, newest first", "GET",
         f"/dags/{mid}/dagRuns?limit=100&order_by=-execution_date", None),
        ("runs batch (POST list)", "POST", "/dags/~/dagRuns/list", {"page_limit": 100}),
        ("TIs of all runs, first page", "GET", "/dags/~/dagRuns/~/taskInstances?limit=100",
         None),
        ("TIs of all runs, last page", "GET",
         f"/dags/~/dagRuns/~/taskInstances?limit=100&offset={tis - 100}", None),
        ("TIs of one run", "GET", f"/dags/{mid}/dagRuns/{run}/taskInstances", None),
        ("TIs of one DAG, failed", "GET",
         f"/dags/{mid}/dagRuns/~/taskInstances?state=failed&limit=100", None),
        ("dagStats of one DAG", "GET", f"/dagStats?dag_ids={mid}", None),
        ("event log, first page", "GET", "/eventLogs?limit=100&order_by=-when", None),
    ]


def measure(url: str, auth: tuple[str, str], eps: list, repeat: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with httpx.Client(base_url=url, auth=auth, timeout=300) as c:
        for name, method, path, body in eps:
            c.request(method, path, json=body)  # warm
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                r = c.request(method, path, json=body)
                times.append(time.perf_counter() - t0)
                if r.status_code >= 300:
                    raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
            out[name] = statistics.median(times) * 1000
            print(f"  {name}: {out[name]:.1f} ms", flush=True)
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=None)
    p.add_argument("--dags", type=int, default=1000)
    p.add_argument("--runs-per-dag", type=int, default=100)
    p.add_argument("--tis-per-run", type=int, default=10)
    p.add_argument("--repeat", type=int, default=11)
    p.add_argument("--record", action="store_true")
    a = p.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cw-history-"))
    with database(a.database_url, home) as db_url:
        srv = ApiServer(home, db_url)
        srv.start()  # migrates and seeds
        srv.stop()
        fill(db_url, a.dags, 1, a.tis_per_run, 0)
        url = srv.start()
        print(f"small: {a.dags} DAGs, {a.dags} runs, {a.dags * a.tis_per_run} TIs")
        small = measure(url, srv.auth, endpoints(a.dags, a.dags, a.dags * a.tis_per_run),
                        a.repeat)
        srv.stop()
        runs, tis = a.dags * a.runs_per_dag, a.dags * a.runs_per_dag * a.tis_per_run
        took = fill(db_url, a.dags, a.runs_per_dag, a.tis_per_run, 1)
        print(f"filled to {runs:,} runs, {tis:,} TIs in {took:.0f} s")
        url = srv.start()
        big = measure(url, srv.auth, endpoints(a.dags, runs, tis), a.repeat)
        srv.stop()
    kind = "PostgreSQL" if a.database_url else "SQLite"
    lines = [f"| endpoint ({kind}) | {a.dags * a.tis_per_run:,} TIs | {tis:,} TIs | ratio | "
             "within 2x |", "|---|---|---|---|---|"]
    for name in small:
        ratio = big[name] / small[name]
        lines.append(f"| {name} | {small[name]:.1f} ms | {big[name]:.1f} ms | {ratio:.1f}x | "
                     f"{'yes' if ratio <= 2 else '**NO**'} |")
    table = "\n".join(lines)
    print(table)
    if a.record:
        load = os.getloadavg()[0]
        how = (f"`bench/history_bench.py`, {kind}, {a.dags:,} DAGs, {runs:,} runs, {tis:,} task "
               f"instances bulk-inserted (filled in {took:.0f} s); median of {a.repeat} requests "
               f"at concurrency 1 per endpoint; 1-minute load {load:.1f}.")
        readme_section.record(f"{SECTION}, {kind}", how, table)


if __name__ == "__main__":
    main()
