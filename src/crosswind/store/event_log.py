"""The audit trail: one row per change made through the API or CLI."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlalchemy.orm import Session

from crosswind.models import EventLog

_INSERT = insert(EventLog)


def record(
    db: Session | Connection,
    event: str,
    owner: str | None,
    *,
    dag_id: str | None = None,
    task_id: str | None = None,
    run_id: str | None = None,
    execution_date: datetime | None = None,
    try_number: int | None = None,
    extra: dict[str, Any] | None = None,
    map_index: int | None = None,
) -> None:
    """Add an event to `db`'s transaction; it commits with the change it describes.

    On a Session the row is added (flushed with the rest); on a Connection it is inserted
    at once with a statement built once (the Core write paths of hot routes).
    """
    values = {
        "event": event,
        "owner": owner,
        "dag_id": dag_id,
        "task_id": task_id,
        "run_id": run_id,
        "execution_date": execution_date,
        "try_number": try_number,
        "map_index": map_index,
        "extra": None if extra is None else json.dumps(extra, default=str, sort_keys=True),
    }
    if isinstance(db, Session):
        db.add(EventLog(**values))
    else:
        db.execute(_INSERT, values)
