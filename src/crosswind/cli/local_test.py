"""`crosswind dags test DAG_ID [LOGICAL_DATE] [--conf JSON]` and
`crosswind tasks test DAG_ID TASK_ID [LOGICAL_DATE]`, as Airflow 2's CLI.

Both parse the DAGs folder and run in this process, as dag.test() does: task logs and
the traceback of a failing try go to stdout. Variables and connections are read from
the Crosswind database when it is there; XComs live only for the command, and no run
or task instance is recorded (Airflow's `dags test` writes its run into the database).
`dags test` exits 1 when the run failed, `tasks test` exits 0 whatever the task's end,
as Airflow 2.11 does.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from typing import Any

import click

from crosswind.settings import Settings, load_settings


def _setup_logging() -> None:
    logging.basicConfig(
        level=logging.INFO, stream=sys.stdout, force=True,
        format="[%(asctime)s] {%(module)s:%(lineno)d} %(levelname)s - %(message)s")


def _logical_date(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    import pendulum

    try:
        return pendulum.parse(raw, tz="UTC")  # type: ignore[return-value]
    except (ValueError, pendulum.parsing.ParserError):
        raise click.BadParameter(f"not a date: {raw!r}", param_hint="LOGICAL_DATE") from None


def _conf(raw: str | None) -> dict[str, Any]:
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint="--conf") from None
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object", param_hint="--conf")
    return value


def _find_dag(settings: Settings, dag_id: str) -> Any:
    from crosswind.dags.dagbag import DagBag

    bag = DagBag(settings.dags_path, include_examples=False)
    dag = bag.get_dag(dag_id)
    if dag is None:
        errors = "".join(f"\n{path}:\n{err}" for path, err in bag.import_errors.items())
        raise click.ClickException(
            f"Dag {dag_id!r} could not be found; either it does not exist or it failed to "
            f"parse.{errors}")
    return dag


def _backend(settings: Settings) -> Any:
    """Variables and connections from the database, if it answers; else in memory only."""
    from sqlalchemy.exc import SQLAlchemyError

    from crosswind.dags.runtime import OverlayBackend
    from crosswind.db.engine import Database
    from crosswind.execution.runtime_db import DbBackend
    from crosswind.security import SecretBox, load_fernet_key

    db = Database(settings.db_url, pool_size=1)
    outer = DbBackend(db, SecretBox(load_fernet_key(settings.fernet_key, settings.home)))
    try:
        outer.get_variable("__crosswind_probe__")
    except SQLAlchemyError:
        return OverlayBackend(None)
    return OverlayBackend(outer)


@click.command("test")
@click.argument("dag_id")
@click.argument("logical_date", required=False)
@click.option("--conf", "-c", default=None, help="JSON object passed to the run as conf.")
def dags_test(dag_id: str, logical_date: str | None, conf: str | None) -> None:
    """Run every task of DAG_ID once, in this process, printing the logs."""
    settings = load_settings()
    _setup_logging()
    dag = _find_dag(settings, dag_id)
    states = dag.test(logical_date=_logical_date(logical_date), conf=_conf(conf),
                      backend=_backend(settings))
    for task_id, state in sorted(states.items()):
        click.echo(f"{task_id}: {state}")
    failed = any(s in ("failed", "upstream_failed") for s in states.values())
    click.echo("DagRun failed" if failed else "DagRun succeeded")
    if failed:
        sys.exit(1)


@click.group("tasks")
def tasks_group() -> None:
    """Task commands."""


@tasks_group.command("test")
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("logical_date", required=False)
@click.option("--task-params", "-t", default=None, help="JSON params for the task.")
def tasks_test(dag_id: str, task_id: str, logical_date: str | None,
               task_params: str | None) -> None:
    """Run one try of TASK_ID, ignoring its dependencies and recording nothing."""
    from crosswind.dags.exceptions import TaskNotFound
    from crosswind.dags.local_run import run_task_locally

    settings = load_settings()
    _setup_logging()
    dag = _find_dag(settings, dag_id)
    if task_params:
        dag.params = {**dag.params, **_conf(task_params)}
    try:
        state = run_task_locally(dag, task_id, _logical_date(logical_date),
                                 backend=_backend(settings))
    except TaskNotFound as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{task_id}: {state}")
