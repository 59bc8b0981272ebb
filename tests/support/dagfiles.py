"""Put DAG files into a server's DAGs folder and run one real DAG processor scan on them.

All tests of one server share its folder (`<home>/dags`): files are only ever added, so a
scan never mistakes another test's file for a deleted one.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from crosswind.dags.processor import DagProcessor, ProcessReport
from crosswind.db.engine import Database
from crosswind.settings import load_settings


def scan(home: Path, database_url: str, **env: str) -> ProcessReport:
    """One `DagProcessor.tick()` over `<home>/dags` against `database_url`."""
    settings = load_settings({"CROSSWIND_HOME": str(home), "CROSSWIND_DATABASE_URL": database_url,
                              "CROSSWIND_DAG_FILE_PROCESSOR_TIMEOUT": "5", **env})
    db = Database(database_url, pool_size=2)
    try:
        return DagProcessor(settings, db, concurrency=2).tick()
    finally:
        db.dispose()


def write_dags(home: Path, files: dict[str, str]) -> dict[str, Path]:
    """Write `{name: source}` (dedented) under `<home>/dags`; returns name -> path."""
    folder = home / "dags"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, source in files.items():
        path = folder / name
        path.write_text(textwrap.dedent(source))
        paths[name] = path
    return paths


def add_dags(server: object, files: dict[str, str]) -> ProcessReport:
    """Write the files into the server's DAGs folder and scan it."""
    home: Path = server.home  # type: ignore[attr-defined]
    write_dags(home, files)
    return scan(home, server.database_url)  # type: ignore[attr-defined]
