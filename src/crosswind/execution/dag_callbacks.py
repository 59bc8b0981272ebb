"""DAG-level `on_success_callback` / `on_failure_callback` when the engine ends a run.

They are user code, so the scheduler never runs them itself: for each run it finishes
whose DAG has the callback (the serialized `has_on_*_callback`), it starts a short-lived
interpreter (`python -m crosswind.execution.dag_callbacks`) and goes on; the settings go
through its stdin (the Fernet key stays out of the environment). That process loads the
DAG file, builds Airflow's callback context (the template context of the run's last task
instance, plus `reason`: "success", "task_failure", "timed_out" or
"all_tasks_deadlocked", as Airflow 2.11) and calls the callbacks; a failing callback is
logged, never fatal. Its log: `{logs}/dag_callbacks/dag_id=.../run_id=....log`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def log_path(logs: Path | str, dag_id: str, run_id: str) -> Path:
    return Path(logs) / "dag_callbacks" / f"dag_id={dag_id}" / f"run_id={run_id}.log"


class DagCallbackLauncher:
    """In the scheduler: starts one callback process per finished run that needs one, and
    reaps the ones that ended (each tick)."""

    def __init__(self, settings: Any) -> None:
        from crosswind.execution.forkserver import ServerSettings

        self._settings = ServerSettings.of(settings).to_json()
        self._logs = Path(settings.logs_path)
        self._running: list[subprocess.Popen[bytes]] = []

    def launch(self, finished: Iterable[tuple[str, str, str]], dag_data: Any) -> None:
        """`finished`: (dag_id, run_id, state); dag_data(dag_id) -> serialized DAG or None."""
        self.reap()
        for dag_id, run_id, state in finished:
            data = dag_data(dag_id) or {}
            flag = "has_on_success_callback" if state == "success" else \
                "has_on_failure_callback"
            if data.get(flag):
                self._start(dag_id, run_id, state)

    def _start(self, dag_id: str, run_id: str, state: str) -> None:
        path = log_path(self._logs, dag_id, run_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "ab") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "crosswind.execution.dag_callbacks",
                     dag_id, run_id, state],
                    stdin=subprocess.PIPE, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True)
            assert proc.stdin is not None
            with contextlib.closing(proc.stdin):
                proc.stdin.write(self._settings.encode())
        except OSError:
            log.exception("Could not start the DAG callback of %s / %s", dag_id, run_id)
            return
        self._running.append(proc)

    def reap(self) -> None:
        self._running = [p for p in self._running if p.poll() is None]


def _reason(run: Any, states: list[str | None], timeout: float | None) -> str:
    if run.state == "success":
        return "success"
    if timeout and run.start_date and run.end_date and \
            run.end_date - run.start_date >= timedelta(seconds=timeout):
        return "timed_out"
    from crosswind.states import TI_FINISHED

    if any(s not in TI_FINISHED for s in states):
        return "all_tasks_deadlocked"
    return "task_failure"


def run_callbacks_of(settings: Any, dag_id: str, run_id: str, state: str) -> int:
    """The body of the callback process; returns its exit code."""
    from sqlalchemy import select

    from crosswind.dags.context import RunInfo, TIInfo, build_context
    from crosswind.dags.parser import load_dag
    from crosswind.dags.runtime import set_backend
    from crosswind.db.engine import Database
    from crosswind.execution.runtime_db import DbBackend
    from crosswind.execution.task_execute import run_callbacks
    from crosswind.models import DagRun, SerializedDag, TaskInstance
    from crosswind.security import SecretBox, load_fernet_key

    db = Database(settings.db_url, pool_size=1)

    def read(s: Any) -> tuple[Any, Any, list[Any]]:
        run = s.execute(select(DagRun).where(DagRun.dag_id == dag_id,
                                             DagRun.run_id == run_id)).scalar_one()
        ser = s.execute(select(SerializedDag).where(SerializedDag.dag_id == dag_id)
                        ).scalar_one()
        tis = s.execute(select(TaskInstance.task_id, TaskInstance.map_index,
                               TaskInstance.state, TaskInstance.try_number)
                        .where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
                        .order_by(TaskInstance.id)).all()
        s.expunge_all()
        return run, ser, tis

    with db.read() as s:
        run, ser, tis = read(s)
    if settings.plugins_path:
        from crosswind import plugins

        plugins.configure(settings.plugins_path)
    dag = load_dag(ser.fileloc, dag_id)
    set_backend(DbBackend(db, SecretBox(load_fernet_key(settings.fernet_key, settings.home))))
    reason = _reason(run, [t.state for t in tis], (ser.data or {}).get("dagrun_timeout"))
    # Airflow's context: the run's last task instance's (removed ones left out).
    kept = [t for t in tis if t.state != "removed" and t.task_id in dag.task_dict]
    last = kept[-1] if kept else None
    info = RunInfo(dag_id=dag_id, run_id=run_id, logical_date=run.logical_date,
                   data_interval_start=run.data_interval_start,
                   data_interval_end=run.data_interval_end, run_type=run.run_type,
                   external_trigger=run.external_trigger, conf=dict(run.conf or {}),
                   start_date=run.start_date)
    task = dag.task_dict[last.task_id] if last else None
    ti = TIInfo(last.task_id if last else "", try_number=max(last.try_number, 1) if last else 1,
                map_index=last.map_index if last else -1)
    context = build_context(dag=dag, task=task, run=info, ti=ti)
    context["dag_run"].state = run.state
    context["dag_run"].end_date = run.end_date
    context["reason"] = reason
    callbacks = dag.on_success_callback if state == "success" else dag.on_failure_callback
    log.info("Executing DAG %s callback of %s (run %s, reason %s)", state, dag_id, run_id,
             reason)
    run_callbacks(callbacks, context)
    return 0


def main(argv: list[str]) -> int:
    from crosswind.execution.forkserver import ServerSettings

    logging.basicConfig(level=logging.INFO, stream=sys.stdout,
                        format="[%(asctime)s] {%(module)s:%(lineno)d} %(levelname)s - "
                               "%(message)s")
    dag_id, run_id, state = argv[:3]
    settings = ServerSettings.from_json(sys.stdin.read())
    try:
        return run_callbacks_of(settings, dag_id, run_id, state)
    except Exception:  # logged in the callback log; the run is not touched
        log.exception("DAG callback of %s / %s could not run", dag_id, run_id)
        return 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main(sys.argv[1:]))
