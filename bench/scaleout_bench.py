"""Scale-out throughput: the 1,000-task fan-out on PostgreSQL with Celery (2 workers on a
private Redis) next to the same on the local executor.

    .venv/bin/python bench/scaleout_bench.py             # print the table
    .venv/bin/python bench/scaleout_bench.py --record    # also update bench/README.md

Each setup gets a fresh PostgreSQL database (CROSSWIND_TEST_DATABASE_URL, default the local
server's `test`) and its own processes: API server, DAG processor, one scheduler, and for
Celery two `crosswind worker` processes. The DAG is Airflow's benchmark file
(shared/reference/bench-dags/bench_fanout_1000.py, 1,000 independent no-op
PythonOperators). Timed: POST of the run → the run's state `success` (polled every 0.2 s).
Everything runs on this one machine, so Celery's figure shows its overhead, not a cluster.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import readme_section  # bench/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from support.cluster import Cluster, private_redis, wait_for  # noqa: E402
from support.servers import fresh_postgres_database  # noqa: E402

SECTION = "## Scale-out (issue 5)"
DAG_FILE = Path("/work/shared/reference/bench-dags/bench_fanout_1000.py")
PG = os.environ.get("CROSSWIND_TEST_DATABASE_URL",
                    "postgresql+psycopg://postgres@127.0.0.1:5432/test")
AIRFLOW_LOCAL = 578.9  # s, Airflow 2.11.2 LocalExecutor (shared/reference/airflow-2-figures.md)
TASKS = 1000


def _measure(cluster: Cluster) -> float:
    api = cluster.servers[0]
    with api.client() as c:
        wait_for(lambda: c.get("/dags/bench_fanout_1000").status_code == 200, 120, "the DAG")
        c.patch("/dags/bench_fanout_1000", json={"is_paused": False})
        start = time.monotonic()
        run_id = c.post("/dags/bench_fanout_1000/dagRuns", json={}).json()["dag_run_id"]

        def done() -> str | None:
            state = c.get(f"/dags/bench_fanout_1000/dagRuns/{run_id}").json()["state"]
            return state if state in ("success", "failed") else None

        state = wait_for(done, 900, "the run", 0.2)
        wall = time.monotonic() - start
    if state != "success":
        raise SystemExit(f"the run ended {state}")
    return wall


def run_setup(executor: str, workers: int, concurrency: int) -> float:
    root = Path(tempfile.mkdtemp(prefix=f"cw-scaleout-{executor}-"))
    try:
        with fresh_postgres_database(PG) as db, private_redis(root / "redis") as redis:
            cluster = Cluster(root / "c", db, redis.url, {"CROSSWIND_EXECUTOR": executor})
            shutil.copy(DAG_FILE, cluster.dags / DAG_FILE.name)
            try:
                cluster.api_server()
                cluster.dag_processor()
                cluster.scheduler("scheduler")
                for i in range(workers):
                    cluster.worker(f"w{i}", "default", concurrency=concurrency,
                                   address=f"127.0.0.{i + 1}")
                    cluster.wait_ready(f"w{i}", " ready.")
                return _measure(cluster)
            finally:
                cluster.stop_all()
    finally:
        shutil.rmtree(root, ignore_errors=True)


def table(rows: list[tuple[str, float]]) -> str:
    lines = ["| setup (PostgreSQL, 1 scheduler) | wall time | tasks/s | vs Airflow 2 local |",
             "|---|---|---|---|"]
    for name, wall in rows:
        lines.append(f"| {name} | {wall:.1f} s | {TASKS / wall:.1f} | "
                     f"{AIRFLOW_LOCAL / wall:.0f}x faster |")
    lines.append(f"| Apache Airflow 2.11.2, LocalExecutor (reference) | {AIRFLOW_LOCAL} s | "
                 f"{TASKS / AIRFLOW_LOCAL:.1f} | 1x |")
    lines.append("| Apache Airflow 2, CeleryExecutor | not measured | | |")
    return "\n".join(lines)


def record(body: str, load: float) -> None:
    readme_section.record(SECTION, (
        f"every process on this one "
        "machine, PostgreSQL on loopback, Redis broker, tasks from "
        "shared/reference/bench-dags/bench_fanout_1000.py, trigger → run success "
        f"(`bench/scaleout_bench.py --record`); 1-minute load average before the run: "
        f"{load:.1f} (shared machine). Celery: 2 `crosswind worker` processes, "
        "concurrency 16 each; local: parallelism 32 (default)."), body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--record", action="store_true", help="write the table into bench/README.md")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    rows = [("Celery, 2 workers x 16, Redis", run_setup("celery", 2, 16)),
            ("local executor (fork server)", run_setup("local", 0, 0))]
    out = table(rows)
    print(out)
    if args.record:
        record(out, load)


if __name__ == "__main__":
    main()
