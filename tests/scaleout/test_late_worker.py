"""Tries queued for a queue nobody consumes yet wait in the broker (not an error); the
scheduler publishes them again after `task_queued_timeout`, so the broker holds duplicate
messages when a worker finally starts: it must run every try exactly once."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text

from support.cluster import Cluster, wait_for
from support.direct_db import engine_for

pytestmark = [pytest.mark.celery, pytest.mark.postgres, pytest.mark.slow]

N = 6
DAG = '''
import os
from datetime import datetime

from crosswind import DAG
from crosswind.operators import PythonOperator

MARKS = {marks!r}


def work(ti=None, **_):
    fd = os.open(MARKS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, f"{{ti.task_id}} {{ti.try_number}}\\n".encode())
    os.close(fd)


with DAG("late", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    for i in range({n}):
        PythonOperator(task_id=f"t{{i}}", python_callable=work, queue={queue!r})
'''


def test_worker_started_later_runs_each_try_once_despite_duplicates(
    tmp_path: Path, pg_url: str, broker: tuple[str, Callable[[str], int]]
) -> None:
    url, queue_length = broker
    queue = f"late_{uuid.uuid4().hex[:8]}"
    marks = tmp_path / "marks.txt"
    cluster = Cluster(tmp_path / "cluster", pg_url, url, {
        "CROSSWIND_SCHEDULER_HEARTBEAT_SEC": "1", "CROSSWIND_TASK_QUEUED_TIMEOUT": "2"})
    (cluster.dags / "late.py").write_text(DAG.format(marks=str(marks), n=N, queue=queue))
    try:
        api = cluster.api_server()
        cluster.dag_processor()
        cluster.scheduler("s1")
        with api.client() as c:
            wait_for(lambda: c.get("/dags/late").status_code == 200, 90, "the DAG processor")
            run_id = c.post("/dags/late/dagRuns", json={}).json()["dag_run_id"]
            # Every try published at least twice while no worker consumes "late".
            wait_for(lambda: queue_length(queue) >= 2 * N, 60,
                     "duplicate messages in the broker", 0.5)
            states = {t["state"] for t in c.get(
                f"/dags/late/dagRuns/{run_id}/taskInstances").json()["task_instances"]}
            assert states == {"queued"}
            cluster.worker("w1", queue, concurrency=3)

            def finished() -> str | None:
                state = c.get(f"/dags/late/dagRuns/{run_id}").json()["state"]
                return state if state in ("success", "failed") else None

            assert wait_for(finished, 90, "the run to finish", 0.3) == "success"
            log = c.get(f"/dags/late/dagRuns/{run_id}/taskInstances/t0/logs/1",
                        params={"full_content": True}).json()["content"]
        with engine_for(pg_url) as engine, engine.connect() as conn:
            tries = conn.execute(text(
                "SELECT task_id, try_number, state FROM task_tries WHERE dag_id = 'late'")).all()
        assert sorted(tries) == [(f"t{i}", 1, "success") for i in range(N)]
        started = Counter(marks.read_text().splitlines())
        assert started == Counter(f"t{i} 1" for i in range(N))
        assert "Marking task as SUCCESS" in log  # served by the worker's log server
        wait_for(lambda: queue_length(queue) == 0, 30,
                 "the duplicates to be consumed (as no-ops)", 0.5)
    except BaseException:
        for name, proc in cluster.procs.items():
            print(f"===== {name}\n{proc.log()[-3000:]}")
        raise
    finally:
        cluster.stop_all()
