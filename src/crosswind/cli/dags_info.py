"""`crosswind dags list-import-errors|next-execution|details|show|report|reserialize`:
what parsing found, as Airflow 2's `airflow dags` prints it."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select, update

from crosswind.cli.context import existing_db
from crosswind.cli.output import fail, output_option, print_as
from crosswind.models import DagFile, DagModel, DagRun, ImportError_
from crosswind.store import dags as dag_store


@click.command("list-import-errors")
@output_option
def list_import_errors(output: str) -> None:
    """List the DAG files that failed to import, with their errors."""
    _, db = existing_db()
    with db.read() as s:
        errors = s.scalars(select(ImportError_).order_by(ImportError_.filename)).all()
    print_as([{"filepath": e.filename, "error": e.stacktrace} for e in errors], output)


def _serialized(s: Any, dag_id: str) -> tuple[DagModel, dict[str, Any]]:
    dag = s.get(DagModel, dag_id)
    data = dag_store.serialized_data(s, [dag_id]).get(dag_id) if dag is not None else None
    if dag is None or data is None:
        fail(f"Dag {dag_id!r} could not be found in the metadata database; is the DAG "
             "processor running (or has `crosswind dags reserialize` run)?")
    return dag, data  # type: ignore[return-value]


@click.command("next-execution")
@click.argument("dag_id")
@click.option("--num-executions", "-n", type=click.IntRange(min=1), default=1,
              show_default=True, help="How many next logical dates to print.")
def next_execution(dag_id: str, num_executions: int) -> None:
    """Print the logical date(s) of the DAG's next scheduled run(s)."""
    from crosswind.scheduling.dag_runs import next_info
    from crosswind.timetables.base import DataInterval

    settings, db = existing_db()
    with db.read() as s:
        dag, data = _serialized(s, dag_id)
        last = s.execute(select(DagRun.data_interval_start, DagRun.data_interval_end)
                         .where(DagRun.dag_id == dag_id, DagRun.run_type == "scheduled")
                         .order_by(DagRun.logical_date.desc()).limit(1)).first()
    if dag.is_paused:
        click.echo("[INFO] Please be reminded this DAG is PAUSED now.", err=True)
    from crosswind.db.base import utcnow

    now = utcnow()
    interval = None
    if dag.next_dagrun_data_interval_start and dag.next_dagrun_data_interval_end:
        interval = DataInterval(dag.next_dagrun_data_interval_start,
                                dag.next_dagrun_data_interval_end)
    elif (data.get("schedule") or {}).get("kind", "none") != "none":
        previous = DataInterval(last[0], last[1]) if last and last[0] and last[1] else None
        info = next_info(data, previous, now, settings.catchup_by_default)
        interval = info.data_interval if info else None
    for i in range(num_executions):
        if interval is None:
            click.echo("[WARN] No following schedule can be found. This DAG may have schedule "
                       "interval '@once' or `None`.", err=True)
            click.echo("None")
            continue
        click.echo(interval.start.isoformat())
        if i + 1 < num_executions:
            # Later runs as if every earlier one had run: catchup on, so none is skipped.
            info = next_info({**data, "catchup": True}, interval, now, True)
            interval = info.data_interval if info else None


@click.command("details")
@click.argument("dag_id")
@output_option
def details(dag_id: str, output: str) -> None:
    """The DAG's details (as GET /dags/{dag_id}/details answers)."""
    from crosswind.api.dialects import Dialect
    from crosswind.api.schemas.dags import render_detail
    from crosswind.store import dag_list

    _, db = existing_db()
    with db.read() as s:
        dag, data = _serialized(s, dag_id)
        row = dag_list.wire_row(dag)
        detail = render_detail(row, Dialect.AIRFLOW, has_errors=bool(
            dag_list.with_errors(s, [row])), data=data)
    if output in ("table", "plain"):
        print_as([{"property_name": k, "property_value": v} for k, v in detail.items()],
                 output)
    else:
        print_as([detail], output)


def _dot_id(name: str) -> str:
    return name if name.replace("_", "a").isalnum() and not name[0].isdigit() else (
        '"' + name.replace('"', '\\"') + '"')


def dot_source(data: dict[str, Any]) -> str:
    """The DAG as Graphviz DOT, as Airflow's `dags show` renders it (tasks as filled,
    rounded boxes in the operator's colours, left to right)."""
    dag_id = _dot_id(data["dag_id"])
    lines = [f"digraph {dag_id} {{", f"\tgraph [label={dag_id} labelloc=t rankdir=LR]"]
    for t in data["tasks"]:
        tid = _dot_id(t["task_id"])
        fill, font = t.get("ui_color") or "#fff", t.get("ui_fgcolor") or "#000"
        lines.append(f'\t{tid} [color="{font}" fillcolor="{fill}" label={tid} '
                     f'shape=rectangle style="filled,rounded"]')
    for t in data["tasks"]:
        for down in sorted(t.get("downstream_task_ids") or []):
            lines.append(f"\t{_dot_id(t['task_id'])} -> {_dot_id(down)}")
    lines.append("}")
    return "\n".join(lines)


@click.command("show")
@click.argument("dag_id")
@click.option("--save", "-s", "save", default=None, type=click.Path(dir_okay=False),
              help="Write the graph to this .dot file instead of printing it.")
def show(dag_id: str, save: str | None) -> None:
    """Print the DAG's graph in Graphviz DOT (render it with `dot -Tpng`)."""
    _, db = existing_db()
    with db.read() as s:
        _, data = _serialized(s, dag_id)
    source = dot_source(data)
    if save is None:
        click.echo(source)
        return
    if not save.endswith(".dot"):
        fail("Only .dot files can be written (render them with Graphviz: dot -Tpng)")
    Path(save).write_text(source + "\n")
    click.echo(f"File {save} saved")


@click.command("report")
@output_option
def report(output: str) -> None:
    """Parse every DAG file now and show how long each took, slowest first."""
    from crosswind.dags.dag_files import list_dag_files
    from crosswind.dags.dagbag import DagBag
    from crosswind.settings import load_settings

    folder = str(load_settings().dags_path)
    rows = []
    for path in list_dag_files(folder):
        started = time.perf_counter()
        found = list(DagBag(dag_folder=path).dags.values())  # one file: its own bag
        took = timedelta(seconds=time.perf_counter() - started)
        rows.append({"file": path.removeprefix(folder), "duration": took,
                     "dag_num": len(found), "task_num": sum(len(d.tasks) for d in found),
                     "dags": str(sorted(d.dag_id for d in found))})
    rows.sort(key=lambda r: r["duration"], reverse=True)
    print_as(rows, output)


@click.command("reserialize")
@click.option("--clear-only", is_flag=True,
              help="Only mark every file for parsing; the DAG processor does it next scan.")
def reserialize(clear_only: bool) -> None:
    """Parse every DAG file again now and store the result (as the DAG processor)."""
    from crosswind.dags.processor import DagProcessor

    settings, db = existing_db()
    with db.write() as s:
        s.execute(update(DagFile).values(mtime=-1.0, content_hash=""))
    if clear_only:
        click.echo("Every DAG file will be parsed again at the DAG processor's next scan")
        return
    done = DagProcessor(settings, db, concurrency=2).tick()
    click.echo(f"Parsed {done.parsed} file(s): {done.dags_written} DAG(s) stored, "
               f"{done.import_errors} import error(s)")


COMMANDS = [list_import_errors, next_execution, details, show, report, reserialize]
