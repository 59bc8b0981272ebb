"""Server cost of open event streams (GET /api/v1/events) while a run executes.

    .venv/bin/python bench/events_bench.py [--tasks 300] [--streams 100]

A throw-away `crosswind standalone` on SQLite; the same run of a `--tasks` DAG is executed
with 0 and with `--streams` open streams (each reading every event), and the API server
process's CPU seconds (utime+stime from /proc) during the run are compared. Every stream
must receive every event of the run.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

AUTH = ("admin", "admin")


def cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reader(url: str, counts: list[int], i: int, stop: threading.Event) -> None:
    try:
        with httpx.stream("GET", url, auth=AUTH, timeout=httpx.Timeout(10, read=60)) as r:
            for line in r.iter_lines():
                if line.startswith("data:"):
                    counts[i] += 1
                if stop.is_set():
                    return
    except httpx.HTTPError:  # the server stopping at the end cuts the streams
        return


def run_once(base: str, dag_id: str, streams: int, pid: int) -> tuple[float, float, list[int]]:
    counts = [0] * streams
    stop = threading.Event()
    threads = [threading.Thread(target=reader, daemon=True,
                                args=(f"{base}/api/v1/events?dag_id={dag_id}", counts, i, stop))
               for i in range(streams)]
    for t in threads:
        t.start()
    time.sleep(2)  # let the streams connect
    api = httpx.Client(base_url=base + "/api/v1", auth=AUTH, timeout=30)
    c0, t0 = cpu(pid), time.monotonic()
    run_id = api.post(f"/dags/{dag_id}/dagRuns", json={}).json()["dag_run_id"]
    while api.get(f"/dags/{dag_id}/dagRuns/{run_id}").json()["state"] not in ("success", "failed"):
        time.sleep(0.2)
    time.sleep(1)  # the last events reach the streams
    wall, used = time.monotonic() - t0, cpu(pid) - c0
    stop.set()
    return wall, used, counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=300)
    ap.add_argument("--streams", type=int, default=100)
    args = ap.parse_args()
    home = Path(tempfile.mkdtemp(prefix="cw-events-bench-"))
    (home / "dags").mkdir()
    dag_id = "events_bench"
    (home / "dags" / "bench.py").write_text(
        "from datetime import datetime\nfrom airflow import DAG\n"
        "from airflow.operators.python import PythonOperator\n"
        f"with DAG('{dag_id}', schedule=None, start_date=datetime(2024, 1, 1)):\n"
        f"    for i in range({args.tasks}):\n"
        "        PythonOperator(task_id=f't{i}', python_callable=lambda: None)\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")},
           "CROSSWIND_HOME": str(home), "CROSSWIND_ADMIN_USERNAME": "admin",
           "CROSSWIND_ADMIN_PASSWORD": "admin", "CROSSWIND_DAGS_ARE_PAUSED_AT_CREATION": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "crosswind", "standalone", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        api = httpx.Client(base_url=base + "/api/v1", auth=AUTH, timeout=30)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if api.get(f"/dags/{dag_id}").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        for streams in (0, args.streams, 0, args.streams):
            wall, used, counts = run_once(base, dag_id, streams, proc.pid)
            got = f"events per stream min {min(counts)} max {max(counts)}" if counts else ""
            print(f"{args.tasks} tasks, {streams:3d} streams: run {wall:5.1f} s, "
                  f"API server CPU {used:5.2f} s {got}")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
