"""API throughput and latency: variables, pools and /health at concurrency 1 and 8.

    .venv/bin/python bench/api_bench.py                 # start a throw-away server (SQLite)
    .venv/bin/python bench/api_bench.py --url http://127.0.0.1:8080 --user admin --password pw
    .venv/bin/python bench/api_bench.py --record        # also update bench/README.md

Each scenario runs `--seconds` (default 5) per concurrency level, each thread with its own
keep-alive httpx client, Basic auth on every authenticated request (as Airflow's figures).
Writes as in Airflow's scenario: first POSTs only, then DELETEs of the variables they
created, each phase timed on its own.
Prints a markdown table; `--record` writes it into the "## API (issue 2)" section of
bench/README.md next to Apache Airflow 2's figures (shared/reference/airflow-2-figures.md).
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
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import readme_section  # bench/ is on sys.path when a script runs

SECTION = "## API (issue 2)"
AIRFLOW = {  # req/s from shared/reference/airflow-2-figures.md (Airflow 2.11.2, same machine kind)
    ("GET /variables?limit=100", 1): 6.3,
    ("GET /variables?limit=100", 8): 12.2,
    ("GET /health (no auth)", 1): 154.0,
    ("GET /health (no auth)", 8): 159.0,
    ("POST /variables", 1): 6.8,
    ("DELETE /variables", 1): 6.9,
}


def cpu_seconds(pid: int | None) -> float:
    """User+system CPU time of process `pid` (all threads), from /proc; 0 when unknown."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def local_server() -> Iterator[tuple[str, tuple[str, str], int]]:
    """A fresh `crosswind api-server` on SQLite in a temporary home."""
    home = Path(tempfile.mkdtemp(prefix="cw-bench-"))
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
        yield url, auth, proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
        log.close()


Step = Callable[[httpx.Client, int], "list[tuple[str, float]] | None"]
ORDER = ["GET /variables?limit=100", "GET /pools", "GET /health (no auth)", "POST /variables",
         "DELETE /variables"]


def _timed(client: httpx.Client, method: str, path: str, **kw: object) -> float:
    t0 = time.perf_counter()
    r = client.request(method, path, **kw)
    took = time.perf_counter() - t0
    if r.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:200]}")
    return took


def get_step(name: str, path: str) -> Step:
    return lambda c, _i: [(name, _timed(c, "GET", path))]


# The write scenario as Airflow's figures define it: POSTs first, then DELETEs of what
# they created (each phase timed on its own, so each rate is of one kind of request).
_created: list[str] = []


def post_step(c: httpx.Client, i: int) -> list[tuple[str, float]] | None:
    key = f"bench_{threading.get_ident()}_{i}_{uuid.uuid4().hex[:6]}"
    took = _timed(c, "POST", "/api/v1/variables", json={"key": key, "val": "x"})
    _created.append(key)
    return [("POST /variables", took)]


def delete_step(c: httpx.Client, i: int) -> list[tuple[str, float]] | None:
    try:
        key = _created.pop()
    except IndexError:
        return None  # all deleted: this phase is over
    return [("DELETE /variables", _timed(c, "DELETE", f"/api/v1/variables/{key}"))]


def run(url: str, auth: tuple[str, str] | None, step: Step, threads: int, seconds: float
        ) -> tuple[dict[str, list[float]], float]:
    """Run `step` in `threads` threads for `seconds` (or until it returns None); returns
    the latencies by request name and the time taken."""
    samples: dict[str, list[float]] = {}
    lock = threading.Lock()
    started = time.monotonic()
    stop = started + seconds
    ended: list[float] = []

    def worker() -> None:
        mine: list[tuple[str, float]] = []
        with httpx.Client(base_url=url, auth=auth, timeout=30) as c:
            i = 0
            while time.monotonic() < stop:
                got = step(c, i)
                if got is None:
                    break
                mine.extend(got)
                i += 1
        with lock:
            ended.append(time.monotonic())
            for name, took in mine:
                samples.setdefault(name, []).append(took)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return samples, max(ended) - started


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


# name, concurrency, req/s, p50 ms, p99 ms, server CPU ms per request (0 = unknown)
Row = tuple[str, int, float, float, float, float]


def measure(url: str, auth: tuple[str, str], seconds: float, pid: int | None) -> list[Row]:
    with httpx.Client(base_url=url, auth=auth, timeout=30) as c:
        for i in range(100):
            c.post("/api/v1/variables", json={"key": f"bench_var_{i:03d}", "val": f"value {i}"})
    scenarios: list[tuple[Step, tuple[str, str] | None]] = [
        (get_step("GET /variables?limit=100", "/api/v1/variables?limit=100"), auth),
        (get_step("GET /pools", "/api/v1/pools"), auth),
        (get_step("GET /health (no auth)", "/api/v1/health"), None),
        (post_step, auth),
        (delete_step, auth),
    ]
    rows = []
    for threads in (1, 8):
        for step, who in scenarios:
            cpu0 = cpu_seconds(pid)
            samples, took = run(url, who, step, threads, seconds)
            cpu = (cpu_seconds(pid) - cpu0) * 1000 / max(1, sum(map(len, samples.values())))
            for name, lat in samples.items():
                rows.append((name, threads, len(lat) / took, pct(lat, 0.5), pct(lat, 0.99),
                             cpu))
        with httpx.Client(base_url=url, auth=auth, timeout=30) as c:
            while _created:  # leftovers of a DELETE phase that ran out of time: untimed
                c.delete(f"/api/v1/variables/{_created.pop()}")
    return sorted(rows, key=lambda r: (ORDER.index(r[0]), r[1]))


def table(rows: list[Row]) -> str:
    health = {c: rps for n, c, rps, *_ in rows if n.startswith("GET /health")}
    lines = ["| request | concurrency | req/s | p50 ms | p99 ms | server CPU ms/req "
             "| vs Airflow 2 | vs /health |", "|---|---|---|---|---|---|---|---|"]
    for name, conc, rps, p50, p99, cpu in rows:
        base = AIRFLOW.get((name, conc))
        vs_af = f"{rps / base:.0f}x ({base} req/s)" if base else "n/a"
        vs_health = f"{rps / health[conc]:.2f}" if conc in health else ""
        lines.append(
            f"| {name} | {conc} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | "
            f"{f'{cpu:.2f}' if cpu else 'n/a'} | {vs_af} | {vs_health} |"
        )
    return "\n".join(lines)


def record(body: str, load: float) -> None:
    readme_section.record(SECTION, (
        f"SQLite, one `crosswind api-server` "
        f"process, client threads on the same machine (`bench/api_bench.py --record`); "
        f"1-minute load average before the run: {load:.1f} (shared machine).\n"
        "Airflow 2 figures: shared/reference/airflow-2-figures.md "
        "(same kind of machine). On a busy shared machine absolute figures fall with "
        "the load (even /health); the `vs /health` column and server CPU per request "
        "are the steadier figures. Writes as in Airflow's scenario: POSTs for the "
        "whole period, then DELETEs of what they created, each timed on its own; "
        "/health is an async route reading inline like the authenticated GETs, so "
        "the `vs /health` column compares like with like."), body)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", help="target a running server instead of starting one")
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--record", action="store_true", help="write the table into bench/README.md")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    if args.url:
        rows = measure(args.url.rstrip("/"), (args.user, args.password or ""), args.seconds,
                       None)
    else:
        with local_server() as (url, auth, pid):
            rows = measure(url, auth, args.seconds, pid)
    out = table(rows)
    print(out)
    if args.record:
        record(out, load)


if __name__ == "__main__":
    main()
