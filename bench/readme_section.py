"""Shared by the bench scripts: the machine line and writing one section of bench/README.md."""

from __future__ import annotations

import os
import platform
import re
from datetime import UTC, datetime
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"


def machine() -> str:
    return (f"{os.cpu_count()} CPUs (nproc), {platform.machine()}, "
            f"Python {platform.python_version()}")


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def record(title: str, how: str, body: str) -> None:
    """Write section `title`: "Measured <when> on <machine>; <how>", then `body`."""
    write_section(title, f"Measured {stamp()} on {machine()}; {how}\n\n{body}\n")
    print(f"\nrecorded in {README}")


def write_section(title: str, text: str) -> None:
    """Replace the section headed `title` (a '## ...' line) with `text`, or append it;
    the other sections stay as they are."""
    section = f"{title}\n\n{text.strip()}\n"
    current = README.read_text() if README.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(title)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        current = pattern.sub(lambda _m: section + "\n", current)
    else:
        current = current.rstrip() + "\n\n" + section
    README.write_text(current)
