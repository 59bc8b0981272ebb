"""Developer tool: regenerate the initial migration from the models (before the first release).

Run: .venv/bin/python scripts/regen_initial_migration.py
"""

import tempfile
from pathlib import Path

from alembic import command

from crosswind.db.migrate import MIGRATIONS, alembic_config

for old in (MIGRATIONS / "versions").glob("*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    cfg = alembic_config(f"sqlite:///{Path(tmp) / 'x.db'}")
    command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
