"""Dataset-triggered runs decided by `tick(now)`: conditions over queued events, the
consumed events and data interval, one run per satisfied condition even with two
schedulers, paused consumers not queued, max_active_runs, and DatasetOrTimeSchedule."""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from crosswind.dags.processor import DagProcessor
from crosswind.db.engine import Database
from crosswind.models import DagModel, DagRun, DagRunDatasetEvent, DatasetDagRunQueue, DatasetEvent
from crosswind.scheduling.scheduler import Scheduler
from crosswind.settings import load_settings
from crosswind.store import dataset_events
from crosswind.store.bootstrap import prepare
from support.servers import PG_ENV, fresh_postgres_database

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
DAGS = '''
import pendulum
from airflow import DAG, Dataset
from airflow.operators.empty import EmptyOperator
from airflow.timetables.datasets import DatasetOrTimeSchedule

A, B = Dataset("s3://u/a"), Dataset("s3://u/b")
START = pendulum.datetime(2024, 1, 1, tz="UTC")
with DAG("producer", schedule=None, start_date=START):
    EmptyOperator(task_id="p", outlets=[A, B])
with DAG("both", schedule=A & B, start_date=START):
    EmptyOperator(task_id="t")
with DAG("either", schedule=A | B, start_date=START, max_active_runs=1):
    EmptyOperator(task_id="t")
with DAG("or_time", schedule=DatasetOrTimeSchedule(timetable="0 0 * * *", datasets=[B]),
         start_date=START, catchup=False):
    EmptyOperator(task_id="t")
'''


def add_dags(env, *, unpause: bool = True) -> None:
    """The DAG file's DAGs (un)paused, next_dagrun* left to the ticks' chosen times."""
    env.add_dag("datasets_dags", DAGS)
    with env.db.write() as s:
        s.execute(update(DagModel).values(
            is_paused=not unpause, next_dagrun=None, next_dagrun_data_interval_start=None,
            next_dagrun_data_interval_end=None, next_dagrun_create_after=None))


def emit(env, uri: str, at: datetime) -> None:
    with env.db.engine.begin() as c:
        dataset_events.record(c, [{"uri": uri, "extra": {}, "aliases": []}], None, at)


def runs(env, dag_id: str) -> list[DagRun]:
    with env.db.read() as s:
        return list(s.scalars(select(DagRun).where(DagRun.dag_id == dag_id)
                              .order_by(DagRun.logical_date)))


def queued(env, dag_id: str) -> int:
    with env.db.read() as s:
        return s.scalar(select(func.count()).select_from(DatasetDagRunQueue).where(
            DatasetDagRunQueue.target_dag_id == dag_id)) or 0


def test_and_waits_for_both_or_runs_on_each(env):
    add_dags(env)
    emit(env, "s3://u/a", T0)
    env.scheduler.tick(T0 + timedelta(seconds=1))
    assert runs(env, "both") == [] and queued(env, "both") == 1
    [either] = runs(env, "either")
    assert (either.run_type, either.logical_date, either.external_trigger) == (
        "dataset_triggered", T0, False)
    assert either.run_id == f"dataset_triggered__{T0.isoformat()}"
    assert (either.data_interval_start, either.data_interval_end) == (T0, T0)

    later = T0 + timedelta(minutes=5)
    emit(env, "s3://u/b", later)
    env.scheduler.tick(later + timedelta(seconds=1))
    [both] = runs(env, "both")
    assert both.logical_date == later  # the newest queued event
    assert (both.data_interval_start, both.data_interval_end) == (T0, later)
    with env.db.read() as s:
        consumed = s.scalars(select(DatasetEvent.timestamp).join(
            DagRunDatasetEvent, DagRunDatasetEvent.event_id == DatasetEvent.id).where(
            DagRunDatasetEvent.dag_run_id == both.id).order_by(DatasetEvent.timestamp)).all()
    assert consumed == [T0, later]
    assert queued(env, "both") == 0
    # `either` is at max_active_runs=1: its second event waits in the queue.
    assert len(runs(env, "either")) == 1 and queued(env, "either") == 1
    env.scheduler.tick(later + timedelta(seconds=2))
    assert len(runs(env, "both")) == 1  # nothing left to consume: no second run


class PgEnv:
    """The scheduling tests' environment on a fresh PostgreSQL database."""

    def __init__(self, home: Path, url: str) -> None:
        self.settings = load_settings({"CROSSWIND_HOME": str(home),
                                       "CROSSWIND_DATABASE_URL": url})
        self.settings.dags_path.mkdir(parents=True, exist_ok=True)
        self.db = Database(url)
        prepare(self.db, self.settings)
        self.scheduler = Scheduler(self.settings, self.db, executor=None, job_id=None)

    def add_dag(self, name: str, source: str) -> None:
        (self.settings.dags_path / f"{name}.py").write_text(source)
        assert DagProcessor(self.settings, self.db).tick().import_errors == 0


@pytest.fixture(params=["sqlite", "postgres"])
def any_env(request, env, tmp_path):
    if request.param == "sqlite":
        yield env
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_ENV}")
    with fresh_postgres_database(url) as db_url:
        pg = PgEnv(tmp_path / "pg", db_url)
        yield pg
        pg.db.dispose()


def test_two_schedulers_create_one_run(any_env):
    env = any_env
    add_dags(env)
    emit(env, "s3://u/a", T0)
    emit(env, "s3://u/b", T0 + timedelta(seconds=1))
    other = Scheduler(env.settings, Database(env.settings.db_url), executor=None, job_id=None)
    now = T0 + timedelta(seconds=2)
    threads = [threading.Thread(target=s.tick, args=(now,)) for s in (env.scheduler, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(runs(env, "both")) == 1
    assert queued(env, "both") == 0


def test_paused_consumer_is_not_queued(env):
    add_dags(env, unpause=False)
    emit(env, "s3://u/a", T0)
    env.scheduler.tick(T0 + timedelta(seconds=1))
    assert queued(env, "either") == 0 and runs(env, "either") == []


def test_dataset_or_time_runs_on_both(env):
    add_dags(env)
    day = datetime(2024, 3, 2, 0, 0, 1, tzinfo=UTC)
    env.scheduler.tick(day)
    env.scheduler.tick(day)
    assert [r.run_type for r in runs(env, "or_time")] == ["scheduled"]
    emit(env, "s3://u/b", day + timedelta(hours=1))
    env.scheduler.tick(day + timedelta(hours=1, seconds=1))
    assert sorted(r.run_type for r in runs(env, "or_time")) == ["dataset_triggered", "scheduled"]
