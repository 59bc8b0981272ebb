"""/health and /version: the only endpoints that need no credentials."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from sqlalchemy import select

from crosswind.version import __version__
from crosswind.api.deps import State
from crosswind.api.responses import JSON, iso
from crosswind.db.base import utcnow
from crosswind.models import Job

router = APIRouter(tags=["Monitoring"])


def _job_health(state: State, job_type: str) -> dict[str, str | None]:
    """A job is healthy when one of its kind has heart-beaten recently."""
    with state.db.read() as s:
        beat = s.scalar(
            select(Job.latest_heartbeat)
            .where(Job.job_type == job_type, Job.state == "running")
            .order_by(Job.latest_heartbeat.desc())
            .limit(1)
        )
    limit = timedelta(seconds=state.settings.scheduler_heartbeat_sec * 6)
    healthy = beat is not None and utcnow() - beat < limit
    return {"status": "healthy" if healthy else "unhealthy", "latest_heartbeat": iso(beat)}


@router.get("/health")
def health(state: State) -> JSON:
    try:
        scheduler = _job_health(state, "scheduler")
        processor = _job_health(state, "dag_processor")
        db = "healthy"
    except Exception:  # noqa: BLE001 - a health check reports, it never fails
        scheduler = processor = {"status": "unhealthy", "latest_heartbeat": None}
        db = "unhealthy"
    return JSON(
        {
            "metadatabase": {"status": db},
            "scheduler": {
                "status": scheduler["status"],
                "latest_scheduler_heartbeat": scheduler["latest_heartbeat"],
            },
            "dag_processor": {
                "status": processor["status"],
                "latest_dag_processor_heartbeat": processor["latest_heartbeat"],
            },
            "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
        }
    )


@router.get("/version")
def version() -> JSON:
    return JSON({"version": __version__, "git_version": None})
