"""Airflow's `trigger` and `triggerer_job` of a deferred task instance."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import object_session

from crosswind.models import Job, TaskInstance, Trigger


def render_deferral(ti: TaskInstance) -> dict[str, Any]:
    """Two primary-key reads for a deferred TI (in the TI's own session), none otherwise."""
    session = object_session(ti) if ti.trigger_id is not None else None
    trigger = session.get(Trigger, ti.trigger_id) if session is not None else None
    if trigger is None:
        return {"trigger": None, "triggerer_job": None}
    job = session.get(Job, trigger.triggerer_id) if trigger.triggerer_id else None
    return {
        "trigger": {"id": trigger.id, "classpath": trigger.classpath,
                    "kwargs": str(trigger.kwargs), "created_date": trigger.created_date,
                    "triggerer_id": trigger.triggerer_id},
        "triggerer_job": None if job is None else {
            "id": job.id, "dag_id": None, "state": job.state, "job_type": "TriggererJob",
            "start_date": job.start_date, "end_date": job.end_date,
            "latest_heartbeat": job.latest_heartbeat, "executor_class": None,
            "hostname": job.hostname, "unixname": None},
    }
