"""DAGs as the DAG processor stored them; the API reads only these, never user code."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crosswind.db.base import Base, UtcDateTime, utcnow


class DagModel(Base):
    __tablename__ = "dags"

    dag_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    fileloc: Mapped[str] = mapped_column(Text)
    is_paused: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Airflow 2.9's dag_display_name when the DAG sets one (the API shows dag_id otherwise).
    dag_display_name: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    owners: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timetable_summary: Mapped[str | None] = mapped_column(String(250), nullable=True)
    timetable_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    max_active_runs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_active_tasks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Any task with max_active_tis_per_dag: kept here so lists need not read serialized_dags.
    has_task_concurrency_limits: Mapped[bool] = mapped_column(Boolean, default=False)
    # The pools its tasks name: GET /dagWarnings compares them with the pools that exist.
    pools: Mapped[list[str]] = mapped_column(JSON, default=list)
    last_parsed_time: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_dagrun: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_dagrun_data_interval_start: Mapped[datetime | None] = mapped_column(
        UtcDateTime, nullable=True
    )
    next_dagrun_data_interval_end: Mapped[datetime | None] = mapped_column(
        UtcDateTime, nullable=True
    )
    next_dagrun_create_after: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SerializedDag(Base):
    """The DAG's structure as `crosswind.dags.serialize.serialize_dag` produced it."""

    __tablename__ = "serialized_dags"

    dag_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    fileloc: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    dag_hash: Mapped[str] = mapped_column(String(64))
    last_updated: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DagFile(Base):
    """One file of the DAGs folder as last seen by the processor (change detection)."""

    __tablename__ = "dag_files"

    fileloc: Mapped[str] = mapped_column(String(1000), primary_key=True)
    mtime: Mapped[float] = mapped_column(Float)
    size: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    last_parsed: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    parse_duration: Mapped[float] = mapped_column(Float, default=0.0)


class DagCode(Base):
    """Source of each DAG file, addressed by `file_token` for `GET /dagSources/{file_token}`."""

    __tablename__ = "dag_code"

    file_token: Mapped[str] = mapped_column(String(64), primary_key=True)
    fileloc: Mapped[str] = mapped_column(Text)
    source_code: Mapped[str] = mapped_column(Text)
    last_updated: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ImportError_(Base):
    __tablename__ = "import_errors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(1000), unique=True)
    stacktrace: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
