"""`crosswind api-server` (`crosswind standalone` lives in crosswind/cli/standalone.py)."""

from __future__ import annotations

import click

from crosswind.cli.context import prepared_server_settings

SHUTDOWN_GRACE_SECONDS = 2  # in-flight requests get this long to finish on Ctrl-C/SIGTERM
# Idle keep-alive connections are closed after this. Longer than clients' own idle expiry
# (httpx 5 s, uvicorn's default is also 5 s): the client then always closes first, so a
# request never races the server closing the connection ("server disconnected").
KEEP_ALIVE_SECONDS = 75


def _serve(host: str, port: int, workers: int, generate_admin: bool) -> None:
    import uvicorn

    from crosswind.cli.logs import configure

    settings = prepared_server_settings(generate_admin)
    log_config = configure(settings, "WARNING")
    click.echo(f"Crosswind API listening on http://{host}:{port}/api/v1 "
               f"(Airflow dialect: /airflow/api/v1, docs: /api/v1/docs)", err=False)
    click.echo(f"Crosswind web UI on http://{host}:{port}/")
    uvicorn.run(
        "crosswind.api.asgi:create_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        log_config=log_config,  # applied again in each worker process
        access_log=settings.access_log,
        # Open event streams (GET /api/v1/events) never end on their own: cut them.
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


@click.command("api-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", "-p", default=8080, show_default=True, type=int)
@click.option("--workers", "-w", default=1, show_default=True, type=click.IntRange(min=1))
def api_server(host: str, port: int, workers: int) -> None:
    """Serve the REST API (migrates the database first)."""
    _serve(host, port, workers, generate_admin=False)


COMMANDS = [api_server]  # `standalone` lives in crosswind/cli/standalone.py
