"""End-to-end scale-out: two schedulers, Celery workers on two queues, an API server with
two processes and the DAG processor, all separate processes on one PostgreSQL database.

A 200-task fan-out runs while one worker (with its tries) and one scheduler are killed -9
and the broker restarts. Every try is accounted for: each task writes a line per try it
really started, which must match the task_tries rows (no try ever ran twice), every task
succeeds exactly once, and the killed worker's tries were retried elsewhere.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from support.cluster import (
    Cluster,
    PrivateRedis,
    rabbit_queue_length,
    restart_rabbit,
    wait_for,
)
from support.direct_db import engine_for

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.slow]

N_TASKS = 200
TIGHT_SLOTS = 3
SETTINGS = {
    "CROSSWIND_SCHEDULER_HEARTBEAT_SEC": "1",
    "CROSSWIND_TASK_HEARTBEAT_TIMEOUT": "4",
    "CROSSWIND_TASK_QUEUED_TIMEOUT": "6",
    "CROSSWIND_PARALLELISM": "16",
}
FANOUT = '''
import os
import time
from datetime import datetime, timedelta

from crosswind import DAG
from crosswind.operators import PythonOperator

MARKS = {marks!r}


def work(ti=None, **_):
    # One line per try that really started: proof of "never twice".
    fd = os.open(MARKS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, f"{{ti.task_id}} {{ti.try_number}}\\n".encode())
    os.close(fd)
    time.sleep(0.3)


with DAG("fanout", schedule=None, start_date=datetime(2024, 1, 1), max_active_tasks=500,
         default_args={{"retries": 2, "retry_delay": timedelta(seconds=1)}}) as dag:
    root = PythonOperator(task_id="root", python_callable=work)
    for i in range({n} - 1):
        root >> PythonOperator(task_id=f"t{{i:03d}}", python_callable=work,
                               queue="q2" if i % 2 else "default",
                               pool="tight" if i % 5 == 0 else "default_pool")
'''
TICKS = '''
from datetime import datetime

from crosswind import DAG
from crosswind.operators import EmptyOperator

with DAG("ticks", schedule="@daily", start_date=datetime.fromisoformat({start!r}),
         catchup=True, max_active_runs=16) as dag:
    EmptyOperator(task_id="noop")
'''


def _rows(url: str, sql: str, **params: object) -> list:
    with engine_for(url) as engine, engine.connect() as conn:
        return list(conn.execute(text(sql), params).all())


def _max_overlap(intervals: list[tuple[datetime, datetime]]) -> int:
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals],
                    key=lambda ev: (ev[0], ev[1]))  # an end before a start at the same instant
    peak = cur = 0
    for _, delta in events:
        cur += delta
        peak = max(peak, cur)
    return peak


def _start_cluster(tmp_path: Path, pg_url: str, broker_url: str) -> Cluster:
    cluster = Cluster(tmp_path / "cluster", pg_url, broker_url, SETTINGS)
    marks = tmp_path / "marks.txt"
    (cluster.dags / "fanout.py").write_text(FANOUT.format(marks=str(marks), n=N_TASKS))
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    (cluster.dags / "ticks.py").write_text(
        TICKS.format(start=(today - timedelta(days=6)).replace(tzinfo=None).isoformat()))
    cluster.api_server(workers=2)
    cluster.dag_processor()
    for name in ("s1", "s2"):
        cluster.scheduler(name)
    cluster.worker("w1", "default", address="127.0.0.1")
    cluster.worker("w2", "q2", address="127.0.0.2")
    return cluster


def _run_fanout(tmp_path: Path, pg_url: str, broker_url: str,
                restart_broker: Callable[[], bool]) -> None:
    cluster = _start_cluster(tmp_path, pg_url, broker_url)
    try:
        _exercise(cluster, tmp_path, pg_url, restart_broker)
    except BaseException:
        for name, proc in cluster.procs.items():
            print(f"===== {name}\n{proc.log()[-4000:]}")
        raise
    finally:
        cluster.stop_all()


def _exercise(cluster: Cluster, tmp_path: Path, pg_url: str,
              restart_broker: Callable[[], bool]) -> None:
    api = cluster.servers[0]
    workers = subprocess.run(["pgrep", "-P", str(api.proc.pid)], capture_output=True,
                             text=True, check=False).stdout.split()
    assert len(workers) >= 2, "api-server --workers 2 must serve from several processes"
    with api.client() as c:
        wait_for(lambda: c.get("/dags/fanout").status_code == 200, 90, "the DAG processor")
        assert c.post("/pools", json={"name": "tight", "slots": TIGHT_SLOTS}).status_code == 200
        run_id = c.post("/dags/fanout/dagRuns", json={}).json()["dag_run_id"]
        for name in ("w1", "w2"):
            cluster.wait_ready(name, " ready.")
        wait_for(lambda: _rows(pg_url, "SELECT count(*) FROM task_instances WHERE "
                               "hostname = '127.0.0.2' AND state = 'running'")[0][0] >= 2
                 and _rows(pg_url, "SELECT count(*) FROM task_tries")[0][0] >= 30,
                 120, "tries running on worker w2", 0.02)
        cluster.kill("w2")  # with its fork server and tries: a lost host
        cluster.kill("s1")
        restarted = restart_broker()
        cluster.worker("w3", "q2", address="127.0.0.2", home="w2")  # the host comes back

        def finished() -> str | None:
            state = c.get(f"/dags/fanout/dagRuns/{run_id}").json()["state"]
            return state if state in ("success", "failed") else None

        assert wait_for(finished, 180, "the fan-out run to finish", 0.5) == "success"
        _check_tries(tmp_path / "marks.txt", pg_url)
        _check_logs(c, pg_url, run_id)
    ticks = _rows(pg_url, "SELECT logical_date FROM dag_runs WHERE dag_id = 'ticks'")
    assert len(ticks) == len({t[0] for t in ticks}) == 6, "each scheduled run created once"
    print(f"broker restarted: {restarted}")


def _check_tries(marks: Path, pg_url: str) -> None:
    tries = _rows(pg_url, "SELECT t.task_id, t.try_number, t.state, t.hostname, t.start_date, "
                  "t.end_date, t.error, i.pool FROM task_tries t JOIN task_instances i ON "
                  "i.dag_id = t.dag_id AND i.run_id = t.run_id AND i.task_id = t.task_id "
                  "WHERE t.dag_id = 'fanout'")
    tis = dict(_rows(pg_url, "SELECT task_id, state FROM task_instances WHERE dag_id='fanout'"))
    assert len(tis) == N_TASKS and set(tis.values()) == {"success"}
    started = Counter(tuple(line.split()) for line in marks.read_text().splitlines())
    assert max(started.values()) == 1, "a try ran twice"
    recorded = {(t.task_id, str(t.try_number)) for t in tries}
    assert set(started) <= recorded
    wins = Counter(t.task_id for t in tries if t.state == "success")
    assert wins == Counter(tis.keys()), "every task succeeds exactly once"
    lost = [t for t in tries if t.state != "success"]
    assert lost, "the kill of w2 hit no running try: the test proved nothing"
    for t in lost:
        assert t.state == "failed" and t.hostname == "127.0.0.2", t
        assert "zombie" in (t.error or "").lower() or "heartbeat" in (t.error or "").lower(), t
    tight = [(t.start_date, t.end_date) for t in tries if t.pool == "tight"]
    assert len(tight) >= N_TASKS // 5
    assert _max_overlap(tight) <= TIGHT_SLOTS, "pool slots exceeded across workers"
    hosts = Counter(t.hostname for t in tries if t.state == "success")
    assert set(hosts) == {"127.0.0.1", "127.0.0.2"}


def _check_logs(c, pg_url: str, run_id: str) -> None:  # type: ignore[no-untyped-def]
    """Logs live only on the workers; the API server fetches them from their log server."""
    for host in ("127.0.0.1", "127.0.0.2"):
        task_id, n = _rows(pg_url, "SELECT task_id, try_number FROM task_tries WHERE "
                           "dag_id = 'fanout' AND state = 'success' AND hostname = :h "
                           "LIMIT 1", h=host)[0]
        resp = c.get(f"/dags/fanout/dagRuns/{run_id}/taskInstances/{task_id}/logs/{n}",
                     params={"full_content": True})
        assert resp.status_code == 200
        assert "Marking task as SUCCESS" in resp.json()["content"], resp.json()["content"]


def test_fanout_on_redis_survives_kills_and_broker_restart(
    tmp_path: Path, pg_url: str, redis_broker: PrivateRedis
) -> None:
    def restart() -> bool:
        # Tries wait in the broker for q2 (its worker is dead): the restart loses them all.
        wait_for(lambda: redis_broker.queue_length("q2") > 0, 60, "messages waiting for q2")
        redis_broker.restart()  # no persistence: every queued message is lost
        return True

    _run_fanout(tmp_path, pg_url, redis_broker.url, restart)


def test_fanout_on_rabbitmq_survives_kills_and_broker_restart(
    tmp_path: Path, pg_url: str, amqp_broker: tuple[str, str]
) -> None:
    url, vhost = amqp_broker

    def restart() -> bool:
        wait_for(lambda: rabbit_queue_length(vhost, "q2") > 0, 60, "messages waiting for q2")
        return restart_rabbit(vhost)  # durable queues, persistent messages: all kept

    _run_fanout(tmp_path, pg_url, url, restart)
