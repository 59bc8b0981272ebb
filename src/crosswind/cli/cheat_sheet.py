"""`crosswind cheat-sheet`: every command with its one-line help, grouped as Airflow's."""

from __future__ import annotations

import click


def _lines(ctx: click.Context, group: click.Group, prefix: str) -> list[tuple[str, str]]:
    out = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        if isinstance(command, click.Group):
            out.append((f"{prefix} {name}", "__group__" + command.get_short_help_str(80)))
            out.extend(_lines(ctx, command, f"{prefix} {name}"))
        else:
            out.append((f"{prefix} {name}", command.get_short_help_str(80)))
    return out


@click.command("cheat-sheet")
@click.pass_context
def cheat_sheet(ctx: click.Context) -> None:
    """Display cheat sheet."""
    root = ctx.find_root().command
    assert isinstance(root, click.Group)
    rows = _lines(ctx.find_root(), root, "crosswind")
    width = max(len(cmd) for cmd, _ in rows if not _.startswith("__group__"))
    misc = [(c, h) for c, h in rows if c.count(" ") == 1 and not h.startswith("__group__")]
    click.echo("Miscellaneous commands")
    for cmd, text in misc:
        click.echo(f"{cmd.ljust(width)} | {text}")
    for cmd, text in rows:
        if text.startswith("__group__"):
            click.echo(f"\n{text.removeprefix('__group__')}")
        elif (cmd, text) not in misc:
            click.echo(f"{cmd.ljust(width)} | {text}")
