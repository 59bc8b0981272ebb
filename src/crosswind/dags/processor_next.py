"""When a DAG runs next: the `next_dagrun*` columns the processor stores for new or changed
DAGs (the scheduler keeps them current afterwards)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswind.models import DagRun
from crosswind.scheduling.timetables import DataInterval, next_run, timetable_for

log = logging.getLogger(__name__)


def _dt(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def next_run_fields(
    data: dict[str, Any], last: DataInterval | None, now: datetime, catchup_default: bool
) -> dict[str, datetime | None]:
    """next_dagrun* columns from the DAG's timetable; all None when nothing is due ever."""
    empty: dict[str, datetime | None] = dict.fromkeys(
        (
            "next_dagrun",
            "next_dagrun_data_interval_start",
            "next_dagrun_data_interval_end",
            "next_dagrun_create_after",
        )
    )
    catchup = data.get("catchup")
    try:
        info = next_run(
            timetable_for(data["schedule"]),
            last=last,
            start_date=_dt(data.get("start_date")),
            end_date=_dt(data.get("end_date")),
            catchup=catchup_default if catchup is None else bool(catchup),
            now=now,
        )
    except (ValueError, KeyError, TypeError) as exc:  # never block a write
        log.error("cannot compute the next run of %s: %s", data.get("dag_id"), exc)
        return empty
    if info is None:
        return empty
    return {
        "next_dagrun": info.logical_date,
        "next_dagrun_data_interval_start": info.data_interval.start,
        "next_dagrun_data_interval_end": info.data_interval.end,
        "next_dagrun_create_after": info.run_after,
    }


def last_intervals(session: Session, dag_ids: Iterable[str]) -> dict[str, DataInterval]:
    """Data interval of the latest scheduled run of each DAG (a grouped query per 500)."""
    ids = list(dag_ids)
    out: dict[str, DataInterval] = {}
    for i in range(0, len(ids), 500):
        latest = (
            select(DagRun.dag_id, func.max(DagRun.logical_date).label("ld"))
            .where(DagRun.dag_id.in_(ids[i : i + 500]), DagRun.run_type == "scheduled")
            .group_by(DagRun.dag_id)
            .subquery()
        )
        rows = session.execute(
            select(DagRun.dag_id, DagRun.data_interval_start, DagRun.data_interval_end).join(
                latest, (DagRun.dag_id == latest.c.dag_id) & (DagRun.logical_date == latest.c.ld)
            )
        ).all()
        out.update((r[0], DataInterval(r[1], r[2])) for r in rows
                   if r[1] is not None and r[2] is not None)
    return out
