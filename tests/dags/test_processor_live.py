"""A real `crosswind dag-processor` next to a real api-server: the API follows the folder.

Files are added, edited, broken, fixed and deleted while both processes run; the test polls
the API (no timing assertions: the 2 s visibility bar is measured in bench/).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.dagfiles import write_dags
from support.processes import Process
from support.servers import Server

DAG = """\
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("live_dag", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         description="{description}") as dag:
    BashOperator(task_id="hello", bash_command="echo hi")
"""


def wait_for(fetch: Callable[[], Any], check: Callable[[Any], bool], timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    value = fetch()
    while not check(value):
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met in {timeout}s; last value: {value!r}")
        time.sleep(0.05)
        value = fetch()
    return value


@pytest.fixture
def live(make_server: Callable[..., Server]) -> Iterator[tuple[Server, Process]]:
    server = make_server(env={"CROSSWIND_DAG_FILE_PROCESSOR_TIMEOUT": "2"})
    (server.home / "dags").mkdir(exist_ok=True)
    proc = Process(["dag-processor"], server.env, server.home / "dag-processor.log").start()
    yield server, proc
    code = proc.stop()
    assert code == 0, proc.log()[-3000:]


def test_api_follows_the_dags_folder(live: tuple[Server, Process]) -> None:
    server, proc = live
    with server.client() as api:
        health = wait_for(lambda: api.get("/health").json(),
                          lambda h: h["dag_processor"]["status"] == "healthy")
        assert health["dag_processor"]["latest_dag_processor_heartbeat"]

        paths = write_dags(server.home, {"live.py": DAG.format(description="first")})
        dag = wait_for(lambda: api.get("/dags/live_dag"), lambda r: r.status_code == 200).json()
        assert dag["description"] == "first" and dag["is_active"] is True
        assert dag["schedule_interval"] == "@daily"

        write_dags(server.home, {"live.py": DAG.format(description="second")})
        wait_for(lambda: api.get("/dags/live_dag").json(), lambda d: d["description"] == "second")

        write_dags(server.home, {"live.py": DAG.replace("BashOperator(", "BashOperator(oops=")})
        errs = wait_for(lambda: api.get("/importErrors").json(),
                        lambda e: e["total_entries"] == 1)
        assert errs["import_errors"][0]["filename"] == str(paths["live.py"])
        assert api.get("/dags/live_dag").json()["has_import_errors"] is True

        write_dags(server.home, {"live.py": DAG.format(description="fixed")})
        wait_for(lambda: api.get("/importErrors").json(), lambda e: e["total_entries"] == 0)
        assert api.get("/dags/live_dag").json()["has_import_errors"] is False

        Path(paths["live.py"]).unlink()
        wait_for(lambda: api.get("/dags/live_dag").json(), lambda d: d["is_active"] is False)
        listed = api.get("/dags").json()
        assert "live_dag" not in [d["dag_id"] for d in listed["dags"]]
        listed = api.get("/dags", params={"only_active": "false"}).json()
        assert "live_dag" in [d["dag_id"] for d in listed["dags"]]

        # A file that never finishes importing is killed; the file next to it still loads.
        write_dags(server.home, {
            "hang.py": "from airflow import DAG\nimport time\nwhile True:\n    time.sleep(1)\n",
            "ok.py": DAG.format(description="still loads"),
        })
        errs = wait_for(lambda: api.get("/importErrors").json(),
                        lambda e: e["total_entries"] == 1)
        assert "timed out" in errs["import_errors"][0]["stack_trace"]
        dag = wait_for(lambda: api.get("/dags/live_dag").json(), lambda d: d["is_active"])
        assert dag["description"] == "still loads"
    assert proc.alive()


EXTERNAL = """\
from datetime import datetime
from pathlib import Path
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("reparse_dag", schedule=None, start_date=datetime(2024, 1, 1),
         description=Path({path!r}).read_text().strip()) as dag:
    EmptyOperator(task_id="noop")
"""


def test_parse_dag_file_reparses_an_unchanged_file_now(make_server: Callable[..., Server],
                                                        tmp_path: Path) -> None:
    """The file reads its description from outside the DAGs folder: only a reparse request
    can pick up the change (the rescan interval is 10 minutes)."""
    server = make_server(env={"CROSSWIND_DAG_PROCESSOR_RESCAN_INTERVAL": "600"})
    desc = tmp_path / "description.txt"
    desc.write_text("before")
    write_dags(server.home, {"reparse.py": EXTERNAL.format(path=str(desc))})
    proc = Process(["dag-processor"], server.env, server.home / "dag-processor.log").start()
    try:
        for prefix in ("/api/v1", "/airflow/api/v1"):
            with server.client(prefix=prefix) as api:
                dag = wait_for(lambda: api.get("/dags/reparse_dag"),
                               lambda r: r.status_code == 200).json()
                desc.write_text(f"after {prefix}")
                r = api.put(f"/parseDagFile/{dag['file_token']}")
                assert r.status_code == 201 and r.content == b"", r.text
                wait_for(lambda: api.get("/dags/reparse_dag").json(),
                         lambda d, p=prefix: d["description"] == f"after {p}")
                assert api.put("/parseDagFile/" + "0" * 40).status_code == 404
        with server.client() as api:
            logged = api.get("/eventLogs", params={"event": "dag_file.reparse"}).json()
            assert logged["total_entries"] == 2
    finally:
        assert proc.stop() == 0, proc.log()[-3000:]
