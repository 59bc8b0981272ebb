"""A real SQLite metadata store with DAG files parsed by the real DAG processor; the
scheduler is driven with `tick(now)` at chosen times (no executor, no sleeping)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import update

from crosswind.dags.processor import DagProcessor
from crosswind.db.engine import Database
from crosswind.models import DagModel
from crosswind.scheduling.scheduler import Scheduler
from crosswind.settings import Settings, load_settings
from crosswind.store.bootstrap import prepare


class Env:
    def __init__(self, home: Path) -> None:
        self.settings: Settings = load_settings({"CROSSWIND_HOME": str(home)})
        self.settings.dags_path.mkdir(parents=True, exist_ok=True)
        self.db = Database(self.settings.db_url)
        prepare(self.db, self.settings)
        self.scheduler = Scheduler(self.settings, self.db, executor=None, job_id=None)

    def add_dag(self, name: str, source: str, *, unpause: bool = True) -> None:
        (self.settings.dags_path / f"{name}.py").write_text(textwrap.dedent(source))
        report = DagProcessor(self.settings, self.db).tick()
        assert report.import_errors == 0, report
        # The processor computed next_dagrun* with the wall clock; the tests' ticks use
        # chosen times, so let the scheduler compute them from its own `now`.
        with self.db.write() as s:
            s.execute(update(DagModel).where(DagModel.dag_id == name).values(
                is_paused=not unpause, next_dagrun=None, next_dagrun_data_interval_start=None,
                next_dagrun_data_interval_end=None, next_dagrun_create_after=None))


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    e = Env(tmp_path)
    yield e
    e.db.dispose()


@pytest.fixture
def make_env(tmp_path: Path) -> Callable[[], Env]:
    return lambda: Env(tmp_path)
