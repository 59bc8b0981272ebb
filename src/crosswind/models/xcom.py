"""XCom values, JSON-encoded."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crosswind.db.base import Base, UtcDateTime, utcnow


class XCom(Base):
    __tablename__ = "xcom"
    __table_args__ = (UniqueConstraint("dag_id", "run_id", "task_id", "map_index", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250))
    run_id: Mapped[str] = mapped_column(String(250))
    task_id: Mapped[str] = mapped_column(String(250))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    key: Mapped[str] = mapped_column(String(512))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
