"""`crosswind tasks render` and `crosswind tasks run`, as Airflow 2's.

render parses the DAG file and prints each template field rendered for the run (an
existing run's dates and conf; else a run at that logical date, in memory). run runs one
try of an existing task instance now: queued → running → its end through the fork server,
exactly as the local executor's tries (same log file, XComs, heartbeats, outcome), with
Airflow's guards: not while it is queued or running, not once it succeeded or was skipped
unless --force, and only when its upstream tasks are done unless -i/-A.
"""

from __future__ import annotations

import sys
import textwrap
from typing import Any

import click
from sqlalchemy import select, update

from crosswind.cli.args import find_run, iso, parse_date
from crosswind.cli.context import existing_db
from crosswind.cli.output import fail
from crosswind.db.base import utcnow
from crosswind.errors import CrosswindError
from crosswind.models import DagRun, TaskInstance
from crosswind.store import dag_runs, event_log
from crosswind.store import task_instances as ti_store

_BUSY = ("queued", "running", "restarting", "deferred", "up_for_reschedule")
_DONE_OK = ("success", "skipped")


def _run_dict(run: DagRun) -> dict[str, Any]:
    """The run as a WorkItem carries it (the scheduler adds prev_* values; a hand-run try
    sees them as None)."""
    return {"logical_date": run.logical_date.isoformat(),
            "data_interval_start": iso(run.data_interval_start),
            "data_interval_end": iso(run.data_interval_end), "run_type": run.run_type,
            "external_trigger": bool(run.external_trigger), "conf": run.conf or {},
            "start_date": iso(run.start_date)}


@click.command("render")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("execution_date_or_run_id")
@click.option("--map-index", type=int, default=-1, show_default=True)
def render(dag_id: str, task_id: str, execution_date_or_run_id: str, map_index: int) -> None:
    """Print the task's template fields rendered for a run."""
    from crosswind.cli.local_test import _backend, _find_dag
    from crosswind.dags.context import RunInfo, TIInfo, build_context
    from crosswind.dags.runtime import set_backend
    from crosswind.dags.templating import render_template_fields
    from crosswind.store.manual_runs import manual_interval

    settings, db = existing_db()
    with db.read() as s:
        run = find_run(s, dag_id, execution_date_or_run_id)
        data = dag_runs.serialized(s, dag_id) if run is None else None
    dag = _find_dag(settings, dag_id)
    if not dag.has_task(task_id):
        fail(f"Task {task_id} not found in DAG {dag_id}")
    if run is not None:
        info = RunInfo(dag_id=dag_id, run_id=run.run_id, logical_date=run.logical_date,
                       data_interval_start=run.data_interval_start,
                       data_interval_end=run.data_interval_end, run_type=run.run_type,
                       conf=run.conf or {})
    else:
        when = parse_date(execution_date_or_run_id, "EXECUTION_DATE_OR_RUN_ID")
        start, end = manual_interval(data or {}, when)
        info = RunInfo(dag_id=dag_id, run_id=f"manual__{when.isoformat()}", logical_date=when,
                       data_interval_start=start, data_interval_end=end)
    set_backend(_backend(settings))
    task = dag.get_task(task_id)
    ctx = build_context(dag=dag, task=task, run=info, ti=TIInfo(task_id, map_index=map_index))
    for attr, value in render_template_fields(task, ctx).items():
        click.echo(textwrap.dedent(f"""\
            # ----------------------------------------------------------
            # property: {attr}
            # ----------------------------------------------------------
            """) + f"{value}\n")


def _upstream_blockers(session: Any, dag: dict[str, Any], ti: TaskInstance) -> list[str]:
    task = next(t for t in dag["tasks"] if t["task_id"] == ti.task_id)
    ups = task.get("upstream_task_ids") or []
    if not ups:
        return []
    states = session.execute(select(TaskInstance.task_id, TaskInstance.state).where(
        TaskInstance.dag_id == ti.dag_id, TaskInstance.run_id == ti.run_id,
        TaskInstance.task_id.in_(ups))).all()
    return [f"{t} ({st})" for t, st in sorted(states) if st not in _DONE_OK]


def _queue(db: Any, dag: dict[str, Any], ti: TaskInstance, run: DagRun) -> Any:
    """Guarded: the try is ours only if nobody moved the task instance meanwhile."""
    from crosswind.execution.base import WorkItem

    task = next(t for t in dag["tasks"] if t["task_id"] == ti.task_id)
    with db.write() as s:
        got = s.execute(
            update(TaskInstance)
            .where(TaskInstance.id == ti.id, TaskInstance.state.is_(None) if ti.state is None
                   else TaskInstance.state == ti.state)
            .values(state="queued", try_number=TaskInstance.try_number + 1,
                    max_tries=max(ti.max_tries, ti.try_number + int(task.get("retries") or 0)),
                    queued_when=utcnow(), next_retry_at=None, end_date=None)
            .returning(TaskInstance.try_number)
            .execution_options(synchronize_session=False)).first()
        if got is None:
            fail(f"Task instance {ti.task_id} of {ti.run_id} changed meanwhile; try again")
        event_log.record(s, "cli_task_run", "cli", dag_id=ti.dag_id, task_id=ti.task_id,
                         run_id=ti.run_id, try_number=got[0], map_index=ti.map_index)
    return WorkItem(
        ti_id=ti.id, dag_id=ti.dag_id, run_id=ti.run_id, task_id=ti.task_id,
        map_index=ti.map_index, try_number=got[0], max_tries=ti.max_tries,
        fileloc=dag["fileloc"], execution_timeout=task.get("execution_timeout"),
        queue=task.get("queue") or "default", run=_run_dict(run),
        retry={k: task.get(k) for k in ("retry_delay", "retry_exponential_backoff",
                                        "max_retry_delay", "task_id")})


def _run_try(settings: Any, item: Any) -> None:
    from crosswind.execution.worker_runner import ForkServerClient

    client = ForkServerClient(settings)  # forks this process: no thread may exist yet
    client.start()
    try:
        client.run(item.to_dict())
    finally:
        client.close()


def _check(session: Any, dag: dict[str, Any], ti: TaskInstance, force: bool,
           ignore_deps: bool) -> None:
    if ti.state in _BUSY:
        fail(f"Task instance {ti.task_id} of {ti.run_id} is {ti.state}: not run again")
    if ti.state in _DONE_OK and not force:
        fail(f"Task is in the '{ti.state}' state (--force runs it again)")
    if not ignore_deps and (blockers := _upstream_blockers(session, dag, ti)):
        fail(f"Dependencies not met: upstream task(s) not done: {', '.join(blockers)} "
             "(-i ignores them)")


@click.command("run")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("execution_date_or_run_id")
@click.option("--map-index", type=int, default=-1, show_default=True)
@click.option("--mark-success", "-m", is_flag=True, help="Mark it success without running.")
@click.option("--force", "-f", is_flag=True, help="Run it even if it succeeded already.")
@click.option("--ignore-dependencies", "-i", is_flag=True, help="Ignore upstream states.")
@click.option("--ignore-all-dependencies", "-A", is_flag=True,
              help="Ignore upstream states and the task instance's own state.")
@click.option("--local", "-l", is_flag=True, help="Accepted for Airflow's scripts; always.")
def run(dag_id: str, task_id: str, execution_date_or_run_id: str, map_index: int,
        mark_success: bool, force: bool, ignore_dependencies: bool,
        ignore_all_dependencies: bool, local: bool) -> None:
    """Run one try of a task instance now, recorded as the scheduler's tries are."""
    from crosswind.execution.log_paths import log_path

    settings, db = existing_db()
    with db.read() as s:
        found = find_run(s, dag_id, execution_date_or_run_id)
        if found is None:
            fail(f"DagRun for {dag_id} with run_id or execution_date of "
                 f"{execution_date_or_run_id!r} not found")
        try:
            dag = dag_runs.serialized(s, dag_id)
            ti = ti_store.get_ti(s, dag_id, found.run_id, task_id, map_index)  # type: ignore[union-attr]
        except CrosswindError as exc:
            fail(exc.detail)
        _check(s, dag, ti, force or ignore_all_dependencies,
               ignore_dependencies or ignore_all_dependencies)
    if mark_success:
        with db.write() as s:
            run_row = s.get(DagRun, found.id)  # type: ignore[union-attr]
            ti_store.set_state(s, dag, ti_store.StateChange(
                task_id=task_id, run=run_row, new_state="success",  # type: ignore[arg-type]
                map_index=map_index if map_index >= 0 else None))
        click.echo(f"Marked success: {dag_id}.{task_id} {found.run_id}")  # type: ignore[union-attr]
        return
    item = _queue(db, dag, ti, found)  # type: ignore[arg-type]
    db.dispose()  # nothing open when the fork server is forked
    click.echo(f"Running <TaskInstance: {dag_id}.{task_id} {item.run_id} "
               f"[queued]> on host {settings.host_name}")
    _run_try(settings, item)
    with db.read() as s:
        end = s.scalar(select(TaskInstance.state).where(TaskInstance.id == ti.id))
    log = log_path(settings.logs_path, dag_id, item.run_id, task_id, item.try_number, map_index)
    click.echo(f"{task_id}: {end} (log: {log})")
    if end not in _DONE_OK:
        sys.exit(1)

