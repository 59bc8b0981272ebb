"""Deferral benchmark: 1,000 deferred TimeDeltaSensorAsync tasks waiting at once.

    .venv/bin/python bench/deferral_bench.py            # print the figures
    .venv/bin/python bench/deferral_bench.py --record   # also update bench/README.md

A fresh `crosswind standalone` on SQLite (parallelism 32) runs one DAG of N sensors, all
waiting for the same moment (the run's data_interval_end + WAIT seconds). Measured: the
PSS of the whole standalone process tree and the RSS of the triggerer while all N wait;
the CPU of the whole tree over 10 s of waiting (utime + stime from /proc, as % of one
core); and, per task, the time from its deadline to its success (end_date of the resumed
try), plus the deadline to the last success (the run's end).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import httpx
import readme_section  # bench/ is on sys.path when a script runs
from engine_bench import AUTH, Standalone

SECTION = "## Deferral (issue 9)"
DAG = '''
from datetime import datetime, timedelta
from airflow import DAG
from airflow.sensors.time_delta import TimeDeltaSensorAsync
with DAG("bench_deferred", start_date=datetime(2024, 1, 1), schedule=None,
         max_active_tasks={n}):
    for i in range({n}):
        TimeDeltaSensorAsync(task_id=f"wait_{{i:05d}}", delta=timedelta(seconds={wait}))
'''


def tree(root: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                ppid = int(Path(f"/proc/{e}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            kids.setdefault(ppid, []).append(int(e))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += kids.get(pid, [])
    return out


def smaps(pid: int, key: str) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / os.sysconf("SC_CLK_TCK")


def all_tis(api: httpx.Client, run_id: str) -> list[dict]:
    out: list[dict] = []
    while True:
        page = api.get(f"/dags/bench_deferred/dagRuns/{run_id}/taskInstances",
                       params={"limit": 100, "offset": len(out)}).json()["task_instances"]
        out += page
        if len(page) < 100:
            return out


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", type=int, default=1000)
    ap.add_argument("--wait", type=float, default=90.0)
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    home = Path(tempfile.mkdtemp(prefix="cw-defer-bench-"))
    (home / "dags").mkdir()
    (home / "dags" / "bench_deferred.py").write_text(DAG.format(n=args.tasks, wait=args.wait))
    sa = Standalone(home)
    sa.start()
    api = httpx.Client(base_url=sa.url, auth=AUTH, timeout=30)
    try:
        while api.get("/dags/bench_deferred").status_code != 200:
            time.sleep(0.1)
        api.patch("/dags/bench_deferred", json={"is_paused": False})
        run = api.post("/dags/bench_deferred/dagRuns", json={}).json()
        run_id = run["dag_run_id"]
        deadline = parse(run["data_interval_end"]).timestamp() + args.wait
        started = time.time()
        while (n := sum(t["state"] == "deferred" for t in all_tis(api, run_id))) < args.tasks:
            if time.time() > deadline - 15:
                sys.exit(f"only {n} of the tasks deferred in time; raise --wait")
            time.sleep(0.5)
        print(f"{args.tasks} tasks deferred {time.time() - started:.1f} s after the trigger")
        assert sa.proc is not None
        pids = tree(sa.proc.pid)
        pss = sum(smaps(p, "Pss") for p in pids)
        trig = [p for p in pids if "triggerer" in Path(f"/proc/{p}/comm").read_text()
                or _is_triggerer(p, home)]
        trig_rss = sum(smaps(p, "Rss") for p in trig)
        c0, t0 = cpu_seconds(pids), time.monotonic()
        per0 = {p: cpu_seconds([p]) for p in pids}
        time.sleep(min(10.0, max(1.0, deadline - time.time() - 2)))
        span = time.monotonic() - t0
        cpu = (cpu_seconds(pids) - c0) / span * 100
        per = {label(p, trig): (cpu_seconds([p]) - per0[p]) / span * 100 for p in pids}
        print("CPU while waiting, per process (% of one core):",
              ", ".join(f"{k} {v:.1f}" for k, v in sorted(per.items())))
        while api.get(f"/dags/bench_deferred/dagRuns/{run_id}").json()["state"] == "running":
            time.sleep(0.2)
        tis = all_tis(api, run_id)
        lags = sorted(parse(t["end_date"]).timestamp() - deadline for t in tis)
        ok = sum(t["state"] == "success" for t in tis)
    finally:
        sa.stop()
    q = statistics.quantiles(lags, n=20)
    rows = [
        ("tasks deferred at once", f"{args.tasks} ({ok} succeeded, try_number 1)"),
        ("processes in the standalone tree while waiting", str(len(pids))),
        ("PSS of the whole tree while waiting", f"{pss:.0f} MiB"),
        ("RSS of the triggerer while waiting", f"{trig_rss:.0f} MiB"),
        ("CPU of the whole tree while waiting", f"{cpu:.1f} % of one core"),
        ("CPU of the triggerer while waiting",
         f"{sum(v for k, v in per.items() if k.startswith('triggerer')):.1f} % of one core"),
        ("deadline -> task success, median / p95 / max",
         f"{statistics.median(lags):.2f} s / {q[18]:.2f} s / {lags[-1]:.2f} s"),
        ("deadline -> first task success", f"{lags[0]:.3f} s"),
    ]
    body = "| measure | value |\n|---|---|\n" + "\n".join(f"| {a} | {b} |" for a, b in rows)
    print(body)
    if args.record:
        title = SECTION if args.tasks == 1000 else f"{SECTION[:-1]}, {args.tasks:,} tasks)"
        readme_section.record(
            title, f"`bench/deferral_bench.py`: {args.tasks} `TimeDeltaSensorAsync` tasks "
            f"of one run, all due {args.wait:g} s after the run's data interval end, "
            "standalone on SQLite, parallelism 32. Every resumed try is a task process "
            "(32 at a time), so the last success trails the deadline by the time to run "
            f"{args.tasks} short tries. 1-minute load average before the run: {load:.1f} "
            "(shared machine).", body)


def label(pid: int, triggerers: list[int]) -> str:
    """A short name for a process of the standalone tree, from its command line."""
    if pid in triggerers:
        return f"triggerer[{pid}]"
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"gone[{pid}]"
    words = [a.decode(errors="replace") for a in argv if a]
    tail = " ".join(w.rsplit("/", 1)[-1] for w in words[1:4])
    return f"{tail or words[0]}[{pid}]"


def _is_triggerer(pid: int, home: Path) -> bool:
    """The triggerer is the process whose pid its `jobs` row holds."""
    import sqlite3

    with sqlite3.connect(home / "crosswind.db") as c:
        row = c.execute("SELECT 1 FROM jobs WHERE job_type='triggerer' AND state='running' "
                        "AND pid=?", (pid,)).fetchone()
    return row is not None


if __name__ == "__main__":
    main()
