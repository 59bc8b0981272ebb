"""`crosswind dags backfill DAG_ID -s START -e END`: the runs of a date range, as Airflow 2.

Every logical date of the DAG's timetable in [START, END] gets a `backfill` run (run_id
`backfill__<logical date>`, the timetable's data interval), created queued in one
transaction; the scheduler starts them oldest first (newest first with --run-backwards:
the runs are created in that order) and never more than the DAG's `max_active_runs` at
once, counting its other runs too. The command then waits for them with a progress bar and
exits 1 if any failed. Runs that exist already are left as they are, unless
--reset-dagruns clears them. Ctrl-C stops only the waiting: the runs go on. A paused DAG's
runs stay queued until it is unpaused, so the command does not wait for those.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import click
from sqlalchemy import select

from crosswind.cli.args import parse_conf, parse_date
from crosswind.cli.context import existing_db, wake_scheduler
from crosswind.cli.output import ask_yesno, fail
from crosswind.db.engine import Database
from crosswind.models import DagModel, DagRun
from crosswind.states import RUN_FINISHED
from crosswind.store import dag_runs, event_log
from crosswind.store import task_instances as ti_store
from crosswind.timetables.base import DataInterval

MAX_RUNS = 100_000  # a typo'd range of a minutely DAG stops here, not after hours
POLL_SECONDS = 1.0


def logical_dates(data: dict[str, Any], start: datetime, end: datetime) -> list[DataInterval]:
    """The data intervals of the timetable whose logical date is in [start, end] (Airflow's
    iter_dagrun_infos_between, aligned to the schedule)."""
    from crosswind.scheduling.timetables import TimetableError, next_run, timetable_for

    try:
        timetable = timetable_for(data.get("schedule"))
    except (ValueError, KeyError) as exc:
        fail(f"cannot rebuild the DAG's timetable: {exc}")
    found: list[DataInterval] = []
    last: DataInterval | None = None
    far = end + timedelta(days=36600)
    while len(found) < MAX_RUNS:
        try:
            info = next_run(timetable, last=last, start_date=start, end_date=end,
                            catchup=True, now=far)
        except TimetableError as exc:
            fail(str(exc))
        if info is None or info.logical_date > end or (last and info.data_interval <= last):
            break
        found.append(info.data_interval)
        last = info.data_interval
    return found


def _reset(db: Database, data: dict[str, Any], run_ids: list[str]) -> None:
    with db.write() as s:
        pairs = ti_store.find(s, data["dag_id"], ti_store.ClearSpec(run_ids=set(run_ids)))
        ti_store.clear(s, data, pairs, run_state="queued")


def _create(db: Database, data: dict[str, Any], intervals: list[DataInterval],
            conf: dict[str, Any]) -> list[str]:
    created = []
    with db.write() as s:
        for iv in intervals:
            run = dag_runs.create_run(s, data, logical_date=iv.start,
                                      data_interval=(iv.start, iv.end), run_type="backfill",
                                      conf=conf)
            created.append(run.run_id)
        event_log.record(s, "cli_backfill", "cli", dag_id=data["dag_id"],
                         extra={"runs": len(created)})
    return created


def _wait(db: Database, dag_id: str, run_ids: list[str]) -> dict[str, int]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}"))
    wanted = set(run_ids)
    with Progress(*columns, transient=False) as bar:
        task = bar.add_task(f"backfill {dag_id}", total=len(run_ids), detail="")
        while True:
            with db.read() as s:
                rows = s.execute(select(DagRun.run_id, DagRun.state)
                                 .where(DagRun.dag_id == dag_id)).all()
            counts: dict[str, int] = {}
            for run_id, state in rows:
                if run_id in wanted:
                    counts[state] = counts.get(state, 0) + 1
            done = sum(n for st, n in counts.items() if st in RUN_FINISHED)
            detail = ", ".join(f"{n} {st}" for st, n in sorted(counts.items()))
            bar.update(task, completed=done, detail=detail)
            if done >= len(run_ids):
                return counts
            time.sleep(POLL_SECONDS)


@click.command("backfill")
@click.argument("dag_id")
@click.option("--start-date", "-s", required=True, help="First logical date (inclusive).")
@click.option("--end-date", "-e", required=True, help="Last logical date (inclusive).")
@click.option("--dry-run", is_flag=True, help="Print the runs it would create; create none.")
@click.option("--conf", "-c", default=None, help="JSON object: the conf of every run.")
@click.option("--reset-dagruns", is_flag=True,
              help="Clear the runs that exist already in the range, so they run again.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before --reset-dagruns.")
@click.option("--run-backwards", "-B", is_flag=True, help="Newest logical date first.")
def backfill(dag_id: str, start_date: str, end_date: str, dry_run: bool, conf: str | None,
             reset_dagruns: bool, yes: bool, run_backwards: bool) -> None:
    """Run a DAG for every logical date of a range (through the scheduler)."""
    start, end = parse_date(start_date, "--start-date"), parse_date(end_date, "--end-date")
    if end < start:
        raise click.BadParameter("is before --start-date", param_hint="--end-date")
    body = parse_conf(conf)
    _, db = existing_db()
    with db.read() as s:
        dag = s.get(DagModel, dag_id)
        data = dag_runs.serialized(s, dag_id) if dag is not None else None
        if dag is None or data is None:
            fail(f"Dag {dag_id!r} could not be found in the metadata database")
        paused = dag.is_paused  # type: ignore[union-attr]
    intervals = logical_dates(data, start, end)  # type: ignore[arg-type]
    if not intervals:
        fail("No run dates were found for the given dates and dag interval.")
    if run_backwards:
        intervals.reverse()
    with db.read() as s:
        existing = dict(s.execute(select(DagRun.logical_date, DagRun.run_id).where(
            DagRun.dag_id == dag_id, DagRun.logical_date.in_([iv.start for iv in intervals]))
        ).all())
    new = [iv for iv in intervals if iv.start not in existing]
    if dry_run:
        for iv in intervals:
            note = " (exists)" if iv.start in existing else ""
            click.echo(f"Dry run of DAG {dag_id} on {iv.start.isoformat()}: data interval "
                       f"{iv.start.isoformat()} to {iv.end.isoformat()}{note}")
        click.echo(f"{len(new)} run(s) would be created, {len(existing)} exist already")
        return
    reset = list(existing.values()) if reset_dagruns else []
    if reset and not yes and not ask_yesno(
            f"You are about to clear {len(reset)} existing run(s) of {dag_id}. "
            "Are you sure? [y/n]"):
        click.echo("Cancelled, nothing was done")
        return
    if reset:
        _reset(db, data, reset)  # type: ignore[arg-type]
    created = _create(db, data, new, body)  # type: ignore[arg-type]
    wake_scheduler(db)
    click.echo(f"Created {len(created)} backfill run(s) of {dag_id}"
               + (f", cleared {len(reset)}" if reset else "")
               + (f", {len(existing) - len(reset)} existing left as they are"
                  if len(existing) > len(reset) else ""))
    if paused:
        click.echo(f"DAG {dag_id} is paused: its runs wait until `crosswind dags unpause "
                   f"{dag_id}`", err=True)
        return
    counts = _wait(db, dag_id, created + reset)
    failed = counts.get("failed", 0)
    click.echo(f"Backfill of {dag_id} finished: {counts.get('success', 0)} success, "
               f"{failed} failed")
    if failed:
        raise SystemExit(1)
