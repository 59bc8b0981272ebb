"""`--output/-o table|json|yaml|plain` for listing commands, printed as Airflow's CLI does.

json is one `json.dumps` line, yaml a `yaml.dump` document, table a rich table with a
double-line header rule and no outer edge, plain whitespace-aligned columns that pipe well.
An empty list prints "No data found" as a table or plain text, `[]` as json or yaml.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import click

FORMATS = ("table", "json", "yaml", "plain")


def output_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--output", "-o", "output", type=click.Choice(FORMATS),
                        default="table", show_default=True,
                        help="Output format.")(func)


def _normal(value: Any, output: str) -> Any:
    # Like Airflow: everything becomes a string except None; lists join in tables.
    if isinstance(value, (list, tuple)):
        if output == "table":
            return ",".join(str(_normal(v, output)) for v in value)
        return [_normal(v, output) for v in value]
    if isinstance(value, dict) and output != "table":
        return {k: _normal(v, output) for k, v in value.items()}
    return None if value is None else str(value)


def print_as(rows: Sequence[dict[str, Any]], output: str) -> None:
    data = [{k: _normal(v, output) for k, v in row.items()} for row in rows]
    if output == "json":
        click.echo(json.dumps(data))
    elif output == "yaml":
        import yaml

        click.echo(yaml.dump(data), nl=False)
    elif not data:
        click.echo("No data found")
    elif output == "plain":
        click.echo(_plain(data))
    else:
        _table(data)


def _plain(data: list[dict[str, Any]]) -> str:
    headers = list(data[0])
    cells = [headers] + [["" if v is None else str(v) for v in row.values()] for row in data]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in cells)
    return "\n".join(line.rstrip() for line in lines)


def _table(data: list[dict[str, Any]]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.ASCII_DOUBLE_HEAD, show_edge=False, pad_edge=False, caption=" ")
    for col in data[0]:
        table.add_column(col, overflow="fold")
    for row in data:
        table.add_row(*(str(v) for v in row.values()))
    # A fixed width when piped (as Airflow): whole rows, no terminal-dependent wrapping.
    console = Console(width=None if click.get_text_stream("stdout").isatty() else 200)
    console.print(table)


def fail(message: str) -> None:
    """Stop with `message` on stderr and exit status 1 (as Airflow's `SystemExit(message)`)."""
    click.echo(message, err=True)
    raise SystemExit(1)


def ask_yesno(question: str) -> bool:
    """Airflow's y/n question: asks again until the answer is yes/y or no/n; end of input
    (a script piping nothing) is no."""
    while True:
        try:
            answer = input(question + " ").strip().lower()
        except EOFError:
            return False
        if answer in ("y", "yes"):
            return True
        if answer in ("n", "no"):
            return False
        click.echo("Please respond with y/yes or n/no.")
