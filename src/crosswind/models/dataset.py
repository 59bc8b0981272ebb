"""Datasets and their events, with Airflow 2.10's tables and names.

    dataset                              one row per URI any DAG references or an event named
    dataset_alias                        one row per alias name
    dataset_alias_dataset                which datasets an alias resolved to
    dataset_alias_dataset_event          which events came through which alias
    dag_schedule_dataset_reference       DAG scheduled on a dataset (consumer)
    dag_schedule_dataset_alias_reference DAG scheduled on an alias
    task_outlet_dataset_reference        task producing a dataset
    dataset_event                        one update of a dataset (task success or API)
    dataset_dag_run_queue                a consumer's pending dataset (PK: one per pair)
    dagrun_dataset_event                 the events a dataset-triggered run consumed
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from crosswind.db.base import Base, UtcDateTime, utcnow


class DatasetModel(Base):
    __tablename__ = "dataset"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uri: Mapped[str] = mapped_column(String(3000), unique=True)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    is_orphaned: Mapped[bool] = mapped_column(Boolean, default=False)


class DatasetAliasModel(Base):
    __tablename__ = "dataset_alias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(3000), unique=True)


class DatasetAliasDataset(Base):
    __tablename__ = "dataset_alias_dataset"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_alias.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True)


class DatasetAliasDatasetEvent(Base):
    __tablename__ = "dataset_alias_dataset_event"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_alias.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_event.id", ondelete="CASCADE"), primary_key=True)


class DagScheduleDatasetReference(Base):
    __tablename__ = "dag_schedule_dataset_reference"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DagScheduleDatasetAliasReference(Base):
    __tablename__ = "dag_schedule_dataset_alias_reference"

    alias_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_alias.id", ondelete="CASCADE"), primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TaskOutletDatasetReference(Base):
    __tablename__ = "task_outlet_dataset_reference"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True)
    dag_id: Mapped[str] = mapped_column(String(250), primary_key=True, index=True)
    task_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DatasetEvent(Base):
    __tablename__ = "dataset_event"
    __table_args__ = (Index("ix_dataset_event_dataset_id_timestamp", "dataset_id", "timestamp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dataset_id: Mapped[int] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_task_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    source_dag_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    source_run_id: Mapped[str | None] = mapped_column(String(250), nullable=True)
    source_map_index: Mapped[int | None] = mapped_column(Integer, nullable=True, default=-1)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DatasetDagRunQueue(Base):
    __tablename__ = "dataset_dag_run_queue"

    dataset_id: Mapped[int] = mapped_column(
        ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True)
    target_dag_id: Mapped[str] = mapped_column(String(250), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DagRunDatasetEvent(Base):
    __tablename__ = "dagrun_dataset_event"

    dag_run_id: Mapped[int] = mapped_column(
        ForeignKey("dag_runs.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(
        ForeignKey("dataset_event.id", ondelete="CASCADE"), primary_key=True, index=True)
