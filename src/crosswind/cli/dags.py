"""`crosswind dags list`, `crosswind dags trigger DAG_ID [--conf JSON]` and `dags test`
(crosswind.cli.local_test)."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import select

from crosswind.cli.context import settings_and_db
from crosswind.db.base import utcnow
from crosswind.errors import CrosswindError
from crosswind.models import DagModel
from crosswind.store import event_log
from crosswind.store.bootstrap import prepare
from crosswind.store.manual_runs import create_manual_run


@click.group("dags")
def group() -> None:
    """DAGs as the DAG processor stored them."""


@group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include inactive DAGs.")
def list_dags(show_all: bool) -> None:
    """List DAGs: id, paused, active, file."""
    settings, db = settings_and_db()
    prepare(db, settings)
    stmt = select(DagModel).order_by(DagModel.dag_id)
    if not show_all:
        stmt = stmt.where(DagModel.is_active.is_(True))
    with db.read() as s:
        rows = s.scalars(stmt).all()
    click.echo(f"{'dag_id':<40} {'paused':<7} {'active':<7} fileloc")
    for d in rows:
        click.echo(f"{d.dag_id:<40} {d.is_paused!s:<7} {d.is_active!s:<7} {d.fileloc}")


def _conf(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        conf = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--conf") from None
    if not isinstance(conf, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--conf")
    return conf


@group.command("trigger")
@click.argument("dag_id")
@click.option("--conf", "-c", default=None, help="JSON object passed to the run as conf.")
def trigger(dag_id: str, conf: str | None) -> None:
    """Create a manual run (queued; the scheduler starts it when the DAG is unpaused)."""
    body = _conf(conf)
    settings, db = settings_and_db()
    prepare(db, settings)
    now = utcnow()
    try:
        with db.write() as s:
            run = create_manual_run(s, dag_id, logical_date=now, conf=body)
            event_log.record(s, "trigger", "cli", dag_id=dag_id, run_id=run.run_id,
                             execution_date=now)
            run_id = run.run_id
    except CrosswindError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"created run {run_id} of {dag_id} (state queued)")


def _register_test() -> None:
    from crosswind.cli.local_test import dags_test

    group.add_command(dags_test, "test")


_register_test()
