"""Dynamic task mapping benchmark: a mapped fan-out of 1,000 indexes next to the plain
1,000-task fan-out.

    .venv/bin/python bench/mapping_bench.py            # print the table
    .venv/bin/python bench/mapping_bench.py --record   # also update bench/README.md

One fresh `crosswind standalone` on SQLite (default settings: parallelism 32,
max_active_tasks 16) with three DAGs of no-op python tasks: the reference
bench_fanout_1000 (1,000 PythonOperators), one PythonOperator mapped over a literal list
of 1,000, and a @task mapped over an upstream task's returned list of 1,000 (that
upstream task, then the expansion, then the 1,000 indexes). Each is triggered RUNS times,
in turn; trigger -> run success, polled through the REST API every 50 ms. Reported: the
median wall time, tasks/s (1,000 / wall time) and every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx
import readme_section  # bench/ is on sys.path when a script runs
from engine_bench import AUTH, REFERENCE, Standalone, run_once

SECTION = "## Dynamic task mapping (issue 10)"
RUNS = 3
MAPPED_LITERAL = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator


def _noop():
    return None


with DAG("bench_mapped_1000", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    PythonOperator.partial(task_id="t", python_callable=_noop).expand(op_args=[[]] * 1000)
'''
MAPPED_XCOM = '''
from datetime import datetime
from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def bench_mapped_xcom_1000():
    @task
    def items():
        return list(range(1000))

    @task
    def noop(i):
        return None

    noop.expand(i=items())


bench_mapped_xcom_1000()
'''
SCENARIOS = (("plain 1,000-task fan-out (bench_fanout_1000)", "bench_fanout_1000"),
             ("mapped: 1 operator expanded over a literal of 1,000", "bench_mapped_1000"),
             ("mapped: @task expanded over an upstream list of 1,000", "bench_mapped_xcom_1000"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    times: dict[str, list[float]] = {d: [] for _, d in SCENARIOS}
    states: dict[str, list[str]] = {d: [] for _, d in SCENARIOS}
    with tempfile.TemporaryDirectory(prefix="cw-mapping-bench-") as tmp:
        home = Path(tmp)
        (home / "dags").mkdir()
        shutil.copy(REFERENCE / "bench-dags" / "bench_fanout_1000.py", home / "dags")
        (home / "dags" / "bench_mapped_1000.py").write_text(MAPPED_LITERAL)
        (home / "dags" / "bench_mapped_xcom_1000.py").write_text(MAPPED_XCOM)
        sa = Standalone(home)
        sa.start()
        try:
            with httpx.Client(base_url=sa.url, auth=AUTH, timeout=60) as c:
                for _, dag_id in SCENARIOS:
                    while c.get(f"/dags/{dag_id}").status_code != 200:
                        time.sleep(0.1)
                    c.patch(f"/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
                run_once(c, "bench_fanout_1000")  # warm-up: fork server, caches
                for _ in range(RUNS):
                    for _, dag_id in SCENARIOS:
                        wall, state = run_once(c, dag_id)
                        times[dag_id].append(round(wall, 2))
                        states[dag_id].append(state)
        finally:
            sa.stop()
    rows = []
    for label, dag_id in SCENARIOS:
        med = statistics.median(times[dag_id])
        rows.append(f"| {label} | {med:.2f} s | {1000 / med:.0f} | {times[dag_id]} | "
                    f"{', '.join(sorted(set(states[dag_id])))} |")
    body = ("| DAG run | wall time (median of 3) | tasks/s | all runs (s) | run state |\n"
            "|---|---|---|---|---|\n" + "\n".join(rows))
    print(body)
    if args.record:
        readme_section.record(
            SECTION, "`bench/mapping_bench.py`: SQLite, `crosswind standalone` with default "
            "settings (parallelism 32, max_active_tasks 16), no-op python tasks; runs "
            "triggered in turn after one warm-up run, polled through the REST API every "
            f"50 ms. 1-minute load average before the run: {load:.1f} (shared machine).",
            body)


if __name__ == "__main__":
    main()
