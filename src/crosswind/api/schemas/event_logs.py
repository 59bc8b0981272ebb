"""Event-log response shape (Airflow's EventLog)."""

from __future__ import annotations

from typing import Any

from crosswind.models import EventLog


def render_event(e: EventLog) -> dict[str, Any]:
    return {
        "event_log_id": e.id,
        "when": e.dttm,
        "dag_id": e.dag_id,
        "task_id": e.task_id,
        "run_id": e.run_id,
        "map_index": e.map_index,
        "try_number": e.try_number,
        "event": e.event,
        "execution_date": e.execution_date,
        "owner": e.owner,
        "extra": e.extra,
    }
