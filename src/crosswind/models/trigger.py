"""Deferral: triggers waiting in a triggerer, and the reschedule history of sensors.

A trigger row is what a deferred task waits on: the class path and keyword arguments its
`serialize()` returned (encoded by `crosswind.triggers.serde`). `triggerer_id` is the
`jobs` row of the triggerer that claimed it; a triggerer whose heartbeat is older than
`triggerer_health_check_threshold` loses its claims to any other (or a restarted) one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crosswind.db.base import Base, UtcDateTime, utcnow


class Trigger(Base):
    __tablename__ = "triggers"
    __table_args__ = (Index("ix_triggers_triggerer_id", "triggerer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    classpath: Mapped[str] = mapped_column(String(1000))
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_date: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    triggerer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class TaskReschedule(Base):
    """One row per poke of a `mode="reschedule"` sensor that asked to be rescheduled."""

    __tablename__ = "task_reschedules"
    __table_args__ = (
        Index("ix_task_reschedules_ti", "dag_id", "run_id", "task_id", "map_index", "try_number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    task_id: Mapped[str] = mapped_column(String(250))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    try_number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[datetime] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime] = mapped_column(UtcDateTime)
    duration: Mapped[float] = mapped_column(Float)
    reschedule_date: Mapped[datetime] = mapped_column(UtcDateTime)
