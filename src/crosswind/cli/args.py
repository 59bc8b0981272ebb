"""Argument parsing shared by the commands: dates, JSON conf, runs named by date or id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.models import DagRun


def parse_date(raw: str, hint: str) -> datetime:
    """An aware UTC datetime from an ISO date or datetime (naive means UTC, as Airflow)."""
    import pendulum

    try:
        parsed = pendulum.parse(raw, tz="UTC")
    except (ValueError, pendulum.parsing.ParserError):
        raise click.BadParameter(f"not a date: {raw!r}", param_hint=hint) from None
    if not isinstance(parsed, datetime):
        raise click.BadParameter(f"not a date: {raw!r}", param_hint=hint)
    return datetime.fromtimestamp(parsed.timestamp(), tz=UTC)


def parse_conf(raw: str | None, hint: str = "--conf") -> dict[str, Any]:
    if not raw:
        return {}
    try:
        conf = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise click.BadParameter(f"not JSON: {exc}", param_hint=hint) from None
    if not isinstance(conf, dict):
        raise click.BadParameter("must be a JSON object", param_hint=hint)
    return conf


def find_run(session: Session, dag_id: str, date_or_run_id: str) -> DagRun | None:
    """The run named by its run_id or, failing that, by its logical date (Airflow's
    EXECUTION_DATE_OR_RUN_ID)."""
    run = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id,
                                               DagRun.run_id == date_or_run_id)).first()
    if run is not None:
        return run
    try:
        when = parse_date(date_or_run_id, "EXECUTION_DATE_OR_RUN_ID")
    except click.BadParameter:
        return None
    return session.scalars(select(DagRun).where(DagRun.dag_id == dag_id,
                                                DagRun.logical_date == when)).first()


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
