"""`crosswind dag-processor`: keep the store in step with the DAGs folder until stopped."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

import click

from crosswind.cli.context import settings_and_db
from crosswind.store.bootstrap import prepare


@click.command("dag-processor")
def dag_processor() -> None:
    """Parse the DAGs folder on every change (and periodically); Ctrl-C or SIGTERM stops."""
    from crosswind.dags.processor import run_dag_processor

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("crosswind").setLevel(logging.INFO)  # our scans; not every fs event
    settings, db = settings_and_db()
    prepare(db, settings)
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo(f"Crosswind DAG processor watching {settings.dags_path}")
    try:
        run_dag_processor(settings, db, stop)
    finally:
        db.dispose()
