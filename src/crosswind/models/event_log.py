"""The audit trail: who triggered, cleared, paused, deleted or changed what, and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crosswind.db.base import Base, UtcDateTime, utcnow


class EventLog(Base):
    __tablename__ = "event_log"
    __table_args__ = (Index("ix_event_log_dttm", "dttm"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dttm: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    event: Mapped[str] = mapped_column(String(60))
    owner: Mapped[str | None] = mapped_column(String(500), nullable=True)
    dag_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    task_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    run_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    map_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    try_number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    execution_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    extra: Mapped[str | None] = mapped_column(Text, nullable=True)
