"""/health and /version: the only endpoints that need no credentials."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter
from sqlalchemy import func, select

from crosswind.api.deps import State
from crosswind.api.reads import read
from crosswind.api.responses import JSON, iso
from crosswind.db.base import utcnow
from crosswind.models import Job
from crosswind.version import __version__

router = APIRouter(tags=["Monitoring"])


_BEATS = (select(Job.job_type, func.max(Job.latest_heartbeat))
          .where(Job.state == "running").group_by(Job.job_type))


async def _latest_beats(state: State) -> dict[str, datetime]:
    """The newest heartbeat of each running job type, in one query."""
    rows = await read(state, lambda conn: conn.execute(_BEATS).all())
    return {job_type: beat for job_type, beat in rows}  # noqa: C416 - rows are Row tuples


def _status(beat: datetime | None, state: State) -> str:
    """A job is healthy when one of its kind has heart-beaten recently."""
    limit = timedelta(seconds=state.settings.scheduler_heartbeat_sec * 6)
    return "healthy" if beat is not None and utcnow() - beat < limit else "unhealthy"


@router.get("/health")
async def health(state: State) -> JSON:
    try:
        beats = await _latest_beats(state)
        db = "healthy"
    except Exception:  # noqa: BLE001 - a health check reports, it never fails
        beats, db = {}, "unhealthy"
    scheduler, processor = beats.get("scheduler"), beats.get("dag_processor")
    return JSON(
        {
            "metadatabase": {"status": db},
            "scheduler": {
                "status": _status(scheduler, state),
                "latest_scheduler_heartbeat": iso(scheduler),
            },
            "dag_processor": {
                "status": _status(processor, state),
                "latest_dag_processor_heartbeat": iso(processor),
            },
            "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
        }
    )


@router.get("/version")
def version() -> JSON:
    return JSON({"version": __version__, "git_version": None})
