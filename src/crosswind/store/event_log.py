"""The audit trail: one row per change made through the API or CLI."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crosswind.models import EventLog


def record(
    session: Session,
    event: str,
    owner: str | None,
    *,
    dag_id: str | None = None,
    task_id: str | None = None,
    run_id: str | None = None,
    execution_date: datetime | None = None,
    try_number: int | None = None,
    extra: dict[str, Any] | None = None,
) -> None:
    """Add an event to `session`; it commits with the change it describes."""
    session.add(
        EventLog(
            event=event,
            owner=owner,
            dag_id=dag_id,
            task_id=task_id,
            run_id=run_id,
            execution_date=execution_date,
            try_number=try_number,
            extra=None if extra is None else json.dumps(extra, default=str, sort_keys=True),
        )
    )
