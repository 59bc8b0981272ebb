"""`crosswind dag-processor`: keep the store in step with the DAGs folder until stopped."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from crosswind.cli.context import settings_and_db
from crosswind.cli.logs import configure as configure_logging
from crosswind.settings import load_settings
from crosswind.store.bootstrap import prepare


@click.command("dag-processor")
def dag_processor() -> None:
    """Parse the DAGs folder on every change (and periodically); Ctrl-C or SIGTERM stops."""
    from crosswind.dags.processor import run_dag_processor

    configure_logging(load_settings(), "INFO")  # our scans (not every fs event: logs.py)
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
