"""`crosswind worker`: a Celery worker that runs task tries with the engine's task runner.

Process layout (forks before any thread, as everywhere in Crosswind):

    crosswind worker ── fork server ── one process per try (task_runner.run_forked)
      ├ Celery consumer + `threads` pool: each task thread hands its WorkItem to the fork
      │ server and waits for the try to exit (so --concurrency = tries at a time)
      └ log server thread on `worker_log_server_port` (serves this host's try logs)

Tries report to the metadata database themselves. The hostname recorded on each try is
`CROSSWIND_HOSTNAME` (default: this host's FQDN): the API server fetches logs from it.
"""

from __future__ import annotations

import logging
import os

import click

from crosswind.cli.context import settings_and_db


def _queues(value: str) -> list[str]:
    names = [q.strip() for q in value.split(",") if q.strip()]
    if not names:
        raise click.BadParameter("give at least one queue name")
    return names


@click.command("worker")
@click.option("--queues", "-q", default="default", show_default=True,
              help="Comma-separated Celery queues to consume (a task's `queue`).")
@click.option("--concurrency", "-c", default=16, show_default=True,
              type=click.IntRange(min=1), help="Tries run at the same time.")
def worker(queues: str, concurrency: int) -> None:
    """Run task tries sent by schedulers using CROSSWIND_EXECUTOR=celery."""
    from crosswind.cli.logs import configure as configure_logging
    from crosswind.execution import celery_app, log_server, try_records
    from crosswind.execution.worker_runner import ForkServerClient
    from crosswind.settings import load_settings

    configure_logging(load_settings(), "INFO")
    names = _queues(queues)
    settings, db = settings_and_db(pool_size=2)
    host = settings.host_name
    # Tries inherit this from the fork server and record it on the TI and task_tries row.
    try_records.HOSTNAME = host
    runner = ForkServerClient(settings)  # forks: before the threads below
    try:
        logs = log_server.serve(settings)
    except OSError as exc:  # e.g. a second worker on this host: tries matter more than logs
        logging.getLogger(__name__).error(
            "log server not started on %s:%s (%s): the API server cannot fetch this "
            "worker's logs unless another process serves %s", settings.worker_log_server_host,
            settings.worker_log_server_port, exc, settings.logs_path)
        logs = None
    runner.start()
    app = celery_app.make_app(settings)
    celery_app.set_runner(runner.run)
    click.echo(f"Crosswind worker on {host} (queues {','.join(names)}, concurrency "
               f"{concurrency}, logs on port {settings.worker_log_server_port})")
    try:
        app.Worker(
            hostname=f"crosswind-{os.getpid()}@{host}",
            queues=names,
            concurrency=concurrency,
            pool="threads",
            loglevel="INFO",
            without_mingle=True,
            without_gossip=True,
            prefetch_multiplier=1,
        ).start()
    finally:
        runner.close()
        if logs is not None:
            logs.shutdown()
        db.dispose()


COMMANDS = [worker]
