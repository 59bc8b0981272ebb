"""Dataset events are written by the very statement batch that records a try's success, on
a real database: a success that wins its guard writes its events and queues consumers; a
try that lost its guard (cleared, or another try number) and a failed try write none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from crosswind.db.engine import Database
from crosswind.execution import try_records
from crosswind.execution.base import WorkItem
from crosswind.execution.try_records import TryResult
from crosswind.models import DagModel, DatasetDagRunQueue, DatasetEvent, DatasetModel, TaskInstance
from crosswind.models.dataset import DagScheduleDatasetReference
from crosswind.settings import load_settings
from crosswind.store.bootstrap import prepare

END = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EVENT = {"uri": "s3://atomic/out", "extra": {"n": 1}, "aliases": []}


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    settings = load_settings({"CROSSWIND_HOME": str(tmp_path)})
    database = Database(settings.db_url)
    prepare(database, settings)
    with database.write() as s:
        s.add(DagModel(dag_id="consumer", fileloc="x.py", is_paused=False, is_active=True))
        s.flush()
        ds = DatasetModel(uri="s3://atomic/out")
        s.add(ds)
        s.flush()
        s.add(DagScheduleDatasetReference(dataset_id=ds.id, dag_id="consumer"))
    yield database
    database.dispose()


def running_ti(db: Database, task_id: str, try_number: int = 1) -> WorkItem:
    with db.engine.begin() as c:
        ti_id = c.execute(insert(TaskInstance.__table__).values(
            dag_id="producer", run_id="r1", task_id=task_id, map_index=-1, state="running",
            try_number=try_number).returning(TaskInstance.__table__.c.id)).scalar_one()
    return WorkItem(ti_id=ti_id, dag_id="producer", run_id="r1", task_id=task_id,
                    try_number=try_number, max_tries=0, fileloc="x.py")


def counts(db: Database) -> tuple[int, int]:
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(DatasetEvent)) or 0,
                s.scalar(select(func.count()).select_from(DatasetDagRunQueue)) or 0)


def final(db: Database, item: WorkItem, state: str = "success", try_number: int | None = None
          ) -> bool:
    if try_number is not None:
        item = WorkItem(**{**item.to_dict(), "try_number": try_number})
    result = TryResult(state=state, end=END.isoformat(), dataset_events=[EVENT])
    with db.engine.begin() as c:
        return try_records.write_final(c, item, result)


def test_success_writes_its_events_and_queues_consumers(db):
    item = running_ti(db, "ok")
    assert final(db, item)
    assert counts(db) == (1, 1)
    with db.read() as s:
        event = s.scalars(select(DatasetEvent)).one()
    assert (event.source_dag_id, event.source_task_id, event.source_run_id, event.extra,
            event.timestamp) == ("producer", "ok", "r1", {"n": 1}, END)
    assert not final(db, item)  # a second report of the same try loses the guard
    assert counts(db) == (1, 1)


def test_lost_guard_and_failure_write_no_event(db):
    item = running_ti(db, "stale")
    assert not final(db, item, try_number=2)  # cleared and re-queued meanwhile
    failed = running_ti(db, "boom")
    final(db, failed, state="failed")
    assert counts(db) == (0, 0)
