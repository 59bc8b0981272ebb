"""`crosswind dags list|trigger|pause|unpause|delete|state|list-runs` (the store's side),
with `dags_info` (what parsing knows), `backfill` and `dags test` (crosswind.cli.local_test)
registered on the same group. Names, options and output as Airflow 2's `airflow dags`."""

from __future__ import annotations

import json
import re
from datetime import datetime

import click
from sqlalchemy import func, select

from crosswind.cli.args import iso, parse_conf, parse_date
from crosswind.cli.context import existing_db, wake_scheduler
from crosswind.cli.output import ask_yesno, fail, output_option, print_as
from crosswind.db.base import utcnow
from crosswind.errors import CrosswindError
from crosswind.models import DagModel, DagRun, TaskInstance, TaskTry, XCom
from crosswind.store import dags as dag_store
from crosswind.store import event_log
from crosswind.store.manual_runs import create_manual_run

LIST_COLUMNS = ("dag_id", "fileloc", "owners", "is_paused")


@click.group("dags")
def group() -> None:
    """DAGs as the DAG processor stored them."""


@group.command("list")
@click.option("--columns", default=",".join(LIST_COLUMNS), show_default=True,
              help="Comma-separated columns (any of dag_id, fileloc, owners, is_paused, "
                   "is_active, tags, description, next_dagrun).")
@click.option("--all", "show_all", is_flag=True, help="Include inactive DAGs.")
@output_option
def list_dags(columns: str, show_all: bool, output: str) -> None:
    """List the DAGs."""
    wanted = [c.strip() for c in columns.split(",") if c.strip()]
    known = {*LIST_COLUMNS, "is_active", "tags", "description", "next_dagrun"}
    if bad := [c for c in wanted if c not in known]:
        raise click.BadParameter(f"unknown column(s) {', '.join(bad)}", param_hint="--columns")
    _, db = existing_db()
    stmt = select(DagModel).order_by(DagModel.dag_id)
    if not show_all:
        stmt = stmt.where(DagModel.is_active.is_(True))
    with db.read() as s:
        rows = s.scalars(stmt).all()
    print_as([{c: getattr(d, c) for c in wanted} for d in rows], output)


@group.command("trigger")
@click.argument("dag_id")
@click.option("--conf", "-c", default=None, help="JSON object passed to the run as conf.")
@click.option("--run-id", "-r", default=None, help="The run id (default manual__<date>).")
@click.option("--exec-date", "-e", default=None, help="The logical date (default now).")
@output_option
def trigger(dag_id: str, conf: str | None, run_id: str | None, exec_date: str | None,
            output: str) -> None:
    """Create a manual run (queued; the scheduler starts it when the DAG is unpaused)."""
    body = parse_conf(conf)
    when = parse_date(exec_date, "--exec-date") if exec_date else utcnow()
    _, db = existing_db()
    try:
        with db.write() as s:
            run = create_manual_run(s, dag_id, logical_date=when, conf=body, run_id=run_id)
            event_log.record(s, "trigger", "cli", dag_id=dag_id, run_id=run.run_id,
                             execution_date=when)
            row = {
                "conf": run.conf, "dag_id": run.dag_id, "dag_run_id": run.run_id,
                # str() of the dates, not isoformat: what Airflow's trigger prints
                "data_interval_start": _str(run.data_interval_start),
                "data_interval_end": _str(run.data_interval_end), "end_date": None,
                "external_trigger": run.external_trigger, "last_scheduling_decision": None,
                "logical_date": _str(run.logical_date), "run_type": run.run_type,
                "start_date": None, "state": run.state,
            }
    except CrosswindError as exc:
        raise click.ClickException(exc.detail) from None
    wake_scheduler(db)
    print_as([row], output)


def _str(value: datetime | None) -> str | None:
    return None if value is None else str(value)


def _set_paused(dag_id: str, paused: bool, as_regex: bool, yes: bool, output: str) -> None:
    _, db = existing_db()
    with db.write() as s:
        dags = s.scalars(select(DagModel).where(DagModel.is_paused.is_not(paused))
                         .order_by(DagModel.dag_id)).all()
        if as_regex:
            pattern = re.compile(dag_id)
            matched = [d for d in dags if pattern.search(d.dag_id)]
        else:
            matched = [d for d in dags if d.dag_id == dag_id]
        if not matched:
            click.echo(f"No {'un' if paused else ''}paused DAGs were found")
            return
        if as_regex and not yes:
            ids = "\n".join(d.dag_id for d in matched)
            question = (f"You are about to {'' if paused else 'un'}pause {len(matched)} "
                        f"DAGs:\n{ids}\n\nAre you sure? [y/n]")
            if not ask_yesno(question):
                click.echo("Operation cancelled by user")
                return
        for d in dag_store.set_paused(s, matched, paused):
            event_log.record(s, "paused" if paused else "unpaused", "cli", dag_id=d.dag_id,
                             extra={"is_paused": paused})
        rows = [{"dag_id": d.dag_id, "is_paused": paused} for d in matched]
    if not paused:
        wake_scheduler(db)
    print_as(rows, output)


def _pause_command(name: str, paused: bool) -> click.Command:
    @click.command(name)
    @click.argument("dag_id")
    @click.option("--treat-dag-id-as-regex", "as_regex", is_flag=True,
                  help="DAG_ID is a regular expression (re.search).")
    @click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
    @output_option
    def command(dag_id: str, as_regex: bool, yes: bool, output: str) -> None:
        _set_paused(dag_id, paused, as_regex, yes, output)

    command.help = f"{'Pause' if paused else 'Resume'} a DAG (or all matching a regex)."
    return command


group.add_command(_pause_command("pause", True))
group.add_command(_pause_command("unpause", False))


@group.command("delete")
@click.argument("dag_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
def delete(dag_id: str, yes: bool) -> None:
    """Delete every record of a DAG (its file, if still there, brings it back paused)."""
    question = ("This will drop all existing records related to the specified DAG. "
                "Proceed? (y/n)")
    if not yes and not ask_yesno(question):
        click.echo("Cancelled")
        return
    _, db = existing_db()
    try:
        with db.write() as s:
            count = 1 + sum(
                s.scalar(select(func.count()).select_from(m).where(m.dag_id == dag_id)) or 0
                for m in (DagRun, TaskInstance, TaskTry, XCom))
            dag_store.delete_dag(s, dag_id)
            event_log.record(s, "delete_dag", "cli", dag_id=dag_id)
    except CrosswindError as exc:
        fail(exc.detail)
    click.echo(f"Removed {count} record(s)")


@group.command("state")
@click.argument("dag_id")
@click.argument("execution_date")
def state(dag_id: str, execution_date: str) -> None:
    """The state of the run at EXECUTION_DATE (and its conf when it has one)."""
    when = parse_date(execution_date, "EXECUTION_DATE")
    _, db = existing_db()
    with db.read() as s:
        run = s.scalars(select(DagRun).where(DagRun.dag_id == dag_id,
                                             DagRun.logical_date == when)).first()
    if run is None:
        click.echo("None")
        return
    conf = f", {json.dumps(run.conf)}" if run.conf else ""
    click.echo(f"{run.state}{conf}")


@group.command("list-runs")
@click.option("--dag-id", "-d", required=True, help="The DAG.")
@click.option("--no-backfill", is_flag=True, help="Leave out backfill runs.")
@click.option("--state", "run_state", default=None, help="Only runs in this state.")
@click.option("--start-date", "-s", default=None, help="Logical date from (inclusive).")
@click.option("--end-date", "-e", default=None, help="Logical date up to (inclusive).")
@output_option
def list_runs(dag_id: str, no_backfill: bool, run_state: str | None, start_date: str | None,
              end_date: str | None, output: str) -> None:
    """List a DAG's runs, newest logical date first."""
    stmt = select(DagRun).where(DagRun.dag_id == dag_id)
    if no_backfill:
        stmt = stmt.where(DagRun.run_type != "backfill")
    if run_state:
        stmt = stmt.where(DagRun.state == run_state)
    if start_date:
        stmt = stmt.where(DagRun.logical_date >= parse_date(start_date, "--start-date"))
    if end_date:
        stmt = stmt.where(DagRun.logical_date <= parse_date(end_date, "--end-date"))
    _, db = existing_db()
    with db.read() as s:
        if s.get(DagModel, dag_id) is None:
            fail(f"Dag {dag_id!r} not found in the metadata database")
        runs = s.scalars(stmt.order_by(DagRun.logical_date.desc())).all()
    print_as([{"dag_id": r.dag_id, "run_id": r.run_id, "state": r.state,
               "execution_date": iso(r.logical_date), "start_date": iso(r.start_date) or "",
               "end_date": iso(r.end_date) or ""} for r in runs], output)


def _register() -> None:
    from crosswind.cli import backfill, dags_info
    from crosswind.cli.local_test import dags_test

    group.add_command(dags_test, "test")
    for command in (*dags_info.COMMANDS, backfill.backfill):
        group.add_command(command)


_register()
