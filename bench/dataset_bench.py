"""Dataset-trigger latency: `crosswind standalone` on SQLite, a producer DAG whose task has
a dataset outlet and a consumer DAG scheduled on that dataset.

    .venv/bin/python bench/dataset_bench.py            # print the table
    .venv/bin/python bench/dataset_bench.py --record   # also update bench/README.md

Each of N rounds triggers the producer and waits for the consumer's run to finish, then
reads from the API: producer task end_date (its success) -> consumer run start_date
(created `dataset_triggered` and started by the scheduler) -> consumer task start_date.
Also N events through POST /datasets/events (event timestamp -> consumer run start). All
times are the server's own timestamps, so the 50 ms client polling does not enter them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import readme_section  # bench/ is on sys.path when a script runs
from engine_bench import AUTH, Standalone

SECTION = "## Datasets (issue 9)"
ROUNDS = 20
PRODUCER = '''
import pendulum
from airflow import DAG, Dataset
from airflow.operators.bash import BashOperator

DS = Dataset("s3://bench/out")
with DAG("bench_ds_producer", schedule=None, start_date=pendulum.datetime(2024, 1, 1),
         catchup=False, is_paused_upon_creation=False):
    BashOperator(task_id="produce", bash_command="true", outlets=[DS])
with DAG("bench_ds_consumer", schedule=[DS], start_date=pendulum.datetime(2024, 1, 1),
         catchup=False, is_paused_upon_creation=False, max_active_runs=1):
    BashOperator(task_id="consume", bash_command="true")
'''


def _t(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _wait(fn, timeout: float = 60.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit("timed out")


def _consumer_run(api: httpx.Client, count: int) -> dict:
    def finished() -> dict | None:
        runs = api.get("/dags/bench_ds_consumer/dagRuns",
                       params={"order_by": "-execution_date", "limit": 1}).json()
        total = runs["total_entries"]
        if total >= count and runs["dag_runs"][0]["state"] in ("success", "failed"):
            return runs["dag_runs"][0]
        return None
    return _wait(finished)


def measure() -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"run": [], "task": [], "api": []}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        (home / "dags").mkdir()
        (home / "dags" / "bench_ds.py").write_text(PRODUCER)
        srv = Standalone(home)
        srv.start()
        try:
            with httpx.Client(base_url=srv.url, auth=AUTH, timeout=30) as api:
                _wait(lambda: api.get("/dags/bench_ds_consumer").status_code == 200)
                for i in range(1, ROUNDS + 1):
                    r = api.post("/dags/bench_ds_producer/dagRuns", json={})
                    run_id = r.json()["dag_run_id"]
                    consumer = _consumer_run(api, i)
                    ti = api.get(f"/dags/bench_ds_producer/dagRuns/{run_id}/taskInstances/"
                                 "produce").json()
                    cti = api.get(f"/dags/bench_ds_consumer/dagRuns/{consumer['dag_run_id']}/"
                                  "taskInstances/consume").json()
                    out["run"].append((_t(consumer["start_date"]) - _t(ti["end_date"]))
                                      .total_seconds() * 1000)
                    out["task"].append((_t(cti["start_date"]) - _t(ti["end_date"]))
                                       .total_seconds() * 1000)
                for i in range(1, ROUNDS + 1):
                    ev = api.post("/datasets/events", json={"dataset_uri": "s3://bench/out"})
                    consumer = _consumer_run(api, ROUNDS + i)
                    out["api"].append((_t(consumer["start_date"]) - _t(ev.json()["timestamp"]))
                                      .total_seconds() * 1000)
        finally:
            srv.stop()
    return out


def _row(name: str, values: list[float]) -> str:
    values = sorted(values)
    p90 = values[max(0, int(len(values) * 0.9) - 1)]
    return (f"| {name} | {statistics.median(values):.0f} | {p90:.0f} | {values[-1]:.0f} | "
            f"{'yes' if statistics.median(values) <= 100 else 'no'} |")


def table(result: dict[str, list[float]]) -> str:
    return "\n".join([
        "| latency (ms, server timestamps) | median | p90 | max | median <= 100 ms |",
        "|---|---|---|---|---|",
        _row("producer task success -> consumer run start", result["run"]),
        _row("producer task success -> consumer task start", result["task"]),
        _row("POST /datasets/events -> consumer run start", result["api"]),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--record", action="store_true", help="write the table into bench/README.md")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    out = table(measure())
    print(out)
    if args.record:
        readme_section.record(
            SECTION,
            f"SQLite, `crosswind standalone`, {ROUNDS} producer runs then {ROUNDS} API events, "
            f"one at a time; 1-minute load average before the run: {load:.1f} (shared "
            "machine); `bench/dataset_bench.py --record`. The fork server commits a try's "
            "success with its dataset events and wakes the scheduler in the same flush; the "
            "scheduler's next tick creates and starts the consumer run (Airflow's scheduler "
            "finds the queue rows by polling in its loop).",
            out)


if __name__ == "__main__":
    main()
