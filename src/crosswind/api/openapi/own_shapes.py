"""Shapes of Crosswind's own operations (not in Airflow's spec) and of RFC 7807 problems."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from crosswind.api.openapi.airflow.admin import ProviderCollection
from crosswind.api.openapi.airflow.common import CollectionInfo, Model
from crosswind.api.openapi.airflow.runs import TaskInstance, TaskInstanceReference


class Problem(Model):
    """An error, as RFC 7807 describes (media type application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None


class Token(Model):
    """A personal access token as listed: its prefix, never its secret."""

    id: int | None = None
    name: str | None = None
    prefix: str | None = None
    scopes: list[Literal["read", "write", "admin"]] | None = None
    dag_ids: list[str] | None = None
    created_at: datetime | None = None
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


class NewToken(Token):
    """A token just created: `token` is the secret, shown this once only."""

    token: str | None = None


class TokenCollection(CollectionInfo):
    """The tokens of one user."""

    tokens: list[Token] | None = None


class LogChunk(Model):
    """Part of a task try's log; pass `continuation_token` back to read on."""

    content: str = ""
    continuation_token: str = ""


class DagSource(Model):
    """The source text of a DAG file."""

    content: str = ""


class ProviderPage(ProviderCollection, CollectionInfo):
    """The providers Crosswind offers, with their count."""


class ClearedTaskInstances(Model):
    """The task instances one clear action reset (or would reset, on a dry run)."""

    message: str | None = None
    task_instances: list[TaskInstance] | None = None


class Message(Model):
    """A short confirmation."""

    message: str | None = None


class ClearedReference(TaskInstanceReference):
    """A task instance a dag-run clear would reset, with its state and map index."""

    run_id: str | None = None
    logical_date: datetime | None = None
    map_index: int | None = None
    state: str | None = None


class ClearedReferences(CollectionInfo):
    """What a dry-run clear of a DAG run would reset."""

    task_instances: list[ClearedReference] | None = None
