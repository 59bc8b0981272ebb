"""Run the real `crosswind` command against a prepared database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Cli:
    home: Path
    url: str

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")}
        env.update(CROSSWIND_HOME=str(self.home), CROSSWIND_DATABASE_URL=self.url)
        return env

    def run(self, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-m", "crosswind", *args], env=self.env(),
                              capture_output=True, text=True, timeout=180, cwd=self.home)
        if ok:
            assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "--output", "json").stdout)


def sql_rows(url: str, sql: str) -> list[tuple]:
    """Rows of `sql` read straight from the database at `url` (what a verb really wrote)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()
