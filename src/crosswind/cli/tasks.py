"""`crosswind tasks list|state|states-for-dag-run|clear|render|run|test`, as Airflow 2's
`airflow tasks`. list/state/states-for-dag-run/clear read and change the store; render
parses the DAG file (templates are code); run runs one try through the engine's fork
server, recorded as the scheduler's tries are; test is crosswind.cli.local_test."""

from __future__ import annotations

import re
from typing import Any

import click

from crosswind.cli.args import find_run, iso, parse_date
from crosswind.cli.context import existing_db, wake_scheduler
from crosswind.cli.output import ask_yesno, fail, output_option, print_as
from crosswind.db.engine import Database
from crosswind.errors import CrosswindError
from crosswind.models import DagRun
from crosswind.store import dag_runs, event_log
from crosswind.store import task_instances as ti_store


@click.group("tasks")
def group() -> None:
    """Task instances."""


def _dag(db: Database, dag_id: str) -> dict[str, Any]:
    with db.read() as s:
        try:
            return dag_runs.serialized(s, dag_id)
        except CrosswindError:
            fail(f"Dag {dag_id!r} could not be found in the metadata database")
    raise AssertionError  # fail() exits


def _run(db: Database, dag_id: str, date_or_run_id: str) -> DagRun:
    with db.read() as s:
        run = find_run(s, dag_id, date_or_run_id)
    if run is None:
        fail(f"DagRun for {dag_id} with run_id or execution_date of {date_or_run_id!r} "
             "not found")
    return run  # type: ignore[return-value]


@group.command("list")
@click.argument("dag_id")
@click.option("--tree", "-t", is_flag=True, help="Print the tasks as a tree from the roots.")
def list_(dag_id: str, tree: bool) -> None:
    """List the DAG's task ids (sorted)."""
    _, db = existing_db()
    tasks = {t["task_id"]: t for t in _dag(db, dag_id)["tasks"]}
    if not tree:
        for task_id in sorted(tasks):
            click.echo(task_id)
        return

    def show(task_id: str, depth: int) -> None:
        click.echo("    " * depth + f"<Task({tasks[task_id].get('task_type')}): {task_id}>")
        for down in sorted(tasks[task_id].get("downstream_task_ids") or []):
            show(down, depth + 1)

    for root in sorted(t for t, v in tasks.items() if not v.get("upstream_task_ids")):
        show(root, 0)


@group.command("state")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("execution_date_or_run_id")
@click.option("--map-index", type=int, default=-1, show_default=True)
def state(dag_id: str, task_id: str, execution_date_or_run_id: str, map_index: int) -> None:
    """Print the state of one task instance."""
    _, db = existing_db()
    run = _run(db, dag_id, execution_date_or_run_id)
    with db.read() as s:
        try:
            ti = ti_store.get_ti(s, dag_id, run.run_id, task_id, map_index)
        except CrosswindError as exc:
            fail(exc.detail)
    click.echo(str(ti.state))


@group.command("states-for-dag-run")
@click.argument("dag_id")
@click.argument("execution_date_or_run_id")
@output_option
def states_for_dag_run(dag_id: str, execution_date_or_run_id: str, output: str) -> None:
    """The states of every task instance of one run."""
    _, db = existing_db()
    run = _run(db, dag_id, execution_date_or_run_id)
    with db.read() as s:
        tis = sorted(dag_runs.task_instances(s, run), key=lambda t: (t.task_id, t.map_index))
    rows = []
    for ti in tis:
        row = {"dag_id": ti.dag_id, "execution_date": iso(run.logical_date),
               "task_id": ti.task_id, "state": ti.state,
               "start_date": iso(ti.start_date) or "", "end_date": iso(ti.end_date) or ""}
        if ti.map_index >= 0:
            row["map_index"] = ti.map_index
        rows.append(row)
    print_as(rows, output)


@group.command("clear")
@click.argument("dag_id")
@click.option("--task-regex", "-t", default=None, help="Only tasks whose id matches (search).")
@click.option("--start-date", "-s", default=None, help="Runs from this logical date.")
@click.option("--end-date", "-e", default=None, help="Runs up to this logical date.")
@click.option("--only-failed", "-f", is_flag=True, help="Only failed task instances.")
@click.option("--only-running", "-r", is_flag=True, help="Only running task instances.")
@click.option("--upstream", "-u", is_flag=True, help="Include upstream tasks.")
@click.option("--downstream", "-d", is_flag=True, help="Include downstream tasks.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def clear(dag_id: str, task_regex: str | None, start_date: str | None, end_date: str | None,
          only_failed: bool, only_running: bool, upstream: bool, downstream: bool,
          yes: bool) -> None:
    """Clear task instances so the scheduler runs them again."""
    _, db = existing_db()
    dag = _dag(db, dag_id)
    task_ids = None
    if task_regex:
        pattern = re.compile(task_regex)
        picked = [t["task_id"] for t in dag["tasks"] if pattern.search(t["task_id"])]
        task_ids = ti_store.clear_relatives(dag, picked, upstream=upstream,
                                            downstream=downstream)
    spec = ti_store.ClearSpec(
        task_ids=task_ids, only_failed=only_failed, only_running=only_running,
        start_date=parse_date(start_date, "--start-date") if start_date else None,
        end_date=parse_date(end_date, "--end-date") if end_date else None)
    with db.write() as s:
        pairs = ti_store.find(s, dag_id, spec)
        if not pairs:
            click.echo("No task instances to clear")
            return
        if not yes:
            listed = "\n".join(f"<TaskInstance: {ti.dag_id}.{ti.task_id} {ti.run_id} "
                               f"[{ti.state}]>" for ti, _ in pairs)
            if not ask_yesno(f"You are about to delete these {len(pairs)} tasks:\n{listed}"
                             "\n\nAre you sure? [y/n]"):
                click.echo("Cancelled, nothing was cleared")
                return
        ti_store.clear(s, dag, pairs)
        event_log.record(s, "clear", "cli", dag_id=dag_id, extra={"count": len(pairs)})
    wake_scheduler(db)


def _register() -> None:
    from crosswind.cli import task_run
    from crosswind.cli.local_test import tasks_test

    group.add_command(tasks_test, "test")
    group.add_command(task_run.render)
    group.add_command(task_run.run)


_register()
