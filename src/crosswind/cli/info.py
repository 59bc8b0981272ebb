"""`crosswind info`: version, paths, executor, database dialect and platform, as Airflow's
`info` sections. Database URLs are shown without their password."""

from __future__ import annotations

import platform
import sys
from typing import Any

import click
from sqlalchemy import make_url

from crosswind.cli.output import output_option, print_as
from crosswind.settings import load_settings
from crosswind.version import __version__


def _facts() -> dict[str, dict[str, Any]]:
    settings = load_settings()
    url = make_url(settings.db_url)
    return {
        "Crosswind info": {
            "version": __version__,
            "executor": settings.executor,
            "dags_folder": str(settings.dags_path),
            "plugins_folder": str(settings.plugins_path),
            "base_log_folder": str(settings.logs_path),
            "sql_alchemy_conn": url.render_as_string(hide_password=True),
            "dialect": url.get_backend_name(),
        },
        "System info": {
            "OS": platform.system(),
            "architecture": platform.machine(),
            "python_version": sys.version.split()[0],
            "python_location": sys.executable,
        },
    }


@click.command("info")
@click.option("--anonymize", is_flag=True, help="Minimize any personal identifiable information.")
@output_option
def info(anonymize: bool, output: str) -> None:
    """Show information about current Crosswind and environment."""
    facts = _facts()
    if anonymize:
        facts["Crosswind info"]["sql_alchemy_conn"] = "< hidden >"
        facts["System info"]["python_location"] = "< hidden >"
    for title, values in facts.items():
        if output in ("table", "plain"):
            click.echo(title)
        print_as([{"key": k, "value": v} for k, v in values.items()], output)
        if output in ("table", "plain"):
            click.echo()
