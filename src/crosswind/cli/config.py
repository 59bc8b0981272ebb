"""`crosswind config list|get-value`: the settings in force as Airflow's config sections
(config_sections.py), secrets always "< hidden >". Needs no database."""

from __future__ import annotations

import click

from crosswind.cli.output import fail
from crosswind.config_sections import sections
from crosswind.settings import load_settings


@click.group("config")
def group() -> None:
    """View configuration."""


@group.command("list")
@click.option("--section", default=None, help="The section name")
def list_(section: str | None) -> None:
    """List the options, as an INI file (Airflow's format)."""
    found = sections(load_settings())
    if section is not None:
        if section not in found:
            fail(f"The section [{section}] is not found in config.")
        found = {section: found[section]}
    for name, options in found.items():
        click.echo(f"[{name}]")
        for key, value in options.items():
            click.echo(f"{key} = {value}")
        click.echo()


@group.command("get-value")
@click.argument("section")
@click.argument("option")
def get_value(section: str, option: str) -> None:
    """Print the value of one option."""
    value = sections(load_settings()).get(section, {}).get(option)
    if value is None:
        fail(f"The option [{section}/{option}] is not found in config.")
    click.echo(value)
