"""DAGs as the API sees them: filtered lists, pause/unpause, delete, sources, import errors.

Only reads what the DAG processor stored; never imports user code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from typing import Any

from sqlalchemy import Select, String, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from crosswind.errors import Conflict, NotFound
from crosswind.models import (
    DagCode,
    DagFile,
    DagModel,
    DagRun,
    ImportError_,
    SerializedDag,
    TaskInstance,
    TaskTry,
    XCom,
)
from crosswind.states import TI_ACTIVE
from crosswind.store import dataset_refs


def file_token(fileloc: str) -> str:
    """The URL-safe key of a DAG file in `dag_code` (sha1 hex: 40 chars, no path leak)."""
    return hashlib.sha1(fileloc.encode(), usedforsecurity=False).hexdigest()


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def dag_filters(
    *,
    only_active: bool = True,
    paused: bool | None = None,
    tags: Sequence[str] = (),
    dag_id_pattern: str | None = None,
    dag_ids: Collection[str] | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses of Airflow's DAG list filters (tags match any; pattern is %LIKE%)."""
    where: list[ColumnElement[bool]] = []
    if only_active:
        where.append(DagModel.is_active.is_(True))
    if paused is not None:
        where.append(DagModel.is_paused.is_(paused))
    if dag_id_pattern and dag_id_pattern != "~":
        # Airflow passes the pattern to ilike unescaped: % and _ are wildcards there too.
        where.append(DagModel.dag_id.ilike(f"%{dag_id_pattern}%"))
    if dag_ids is not None:
        where.append(DagModel.dag_id.in_(list(dag_ids)))
    if tags:
        # Tags are a JSON list; its text holds each tag JSON-quoted, the same on both databases.
        text = cast(DagModel.tags, String)
        where.append(or_(*(text.like(f"%{_like_escape(json.dumps(t))}%", escape="\\")
                           for t in tags)))
    return where


def dags_query(**filters: Any) -> Select[tuple[DagModel]]:
    """SELECT of DagModel rows matching `dag_filters(**filters)`."""
    return select(DagModel).where(*dag_filters(**filters))


def get(session: Session, dag_id: str) -> DagModel:
    dag = session.get(DagModel, dag_id)
    if dag is None:
        raise NotFound(f"DAG with dag_id: '{dag_id}' not found")
    return dag


def serialized_data(session: Session, dag_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    ids = list(dag_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(SerializedDag.dag_id, SerializedDag.data).where(SerializedDag.dag_id.in_(ids)))
    return {r[0]: r[1] for r in rows}


def set_paused(session: Session, dags: Sequence[DagModel], paused: bool) -> list[DagModel]:
    """Pause or unpause; returns the DAGs whose state really changed."""
    changed = [d for d in dags if d.is_paused != paused]
    if changed:
        session.execute(update(DagModel).where(DagModel.dag_id.in_([d.dag_id for d in changed]))
                        .values(is_paused=paused))
    for d in dags:
        d.is_paused = paused
    return changed


def delete_dag(session: Session, dag_id: str) -> None:
    """Remove a DAG's metadata, runs, task instances, tries and XComs (409 while it runs)."""
    dag = get(session, dag_id)
    busy = session.scalar(
        select(func.count()).select_from(TaskInstance)
        .where(TaskInstance.dag_id == dag_id, TaskInstance.state.in_(TI_ACTIVE)))
    if busy:
        raise Conflict(f"Task instances of DAG {dag_id!r} are still queued or running "
                       f"({busy}); wait for them or mark them failed first")
    for model in (XCom, TaskTry, TaskInstance, DagRun, SerializedDag):
        session.execute(delete(model).where(model.dag_id == dag_id))
    dataset_refs.forget_dag(session.connection(), dag_id)
    others = session.scalar(select(func.count()).select_from(DagModel).where(
        DagModel.fileloc == dag.fileloc, DagModel.dag_id != dag_id))
    if not others:
        session.execute(delete(DagCode).where(DagCode.fileloc == dag.fileloc))
    # Like Airflow, a DAG whose file is still there comes back (paused) at the next scan.
    session.execute(delete(DagFile).where(DagFile.fileloc == dag.fileloc))
    session.execute(delete(DagModel).where(DagModel.dag_id == dag_id))


def source(session: Session, file_token: str, dag_ids: Collection[str] | None = None) -> str:
    """The stored source of a file; a caller confined to `dag_ids` sees only their files."""
    code = session.get(DagCode, file_token)
    if code is not None and dag_ids is not None:
        allowed = session.scalar(select(func.count()).select_from(DagModel).where(
            DagModel.fileloc == code.fileloc, DagModel.dag_id.in_(list(dag_ids))))
        code = code if allowed else None
    if code is None:
        raise NotFound(f"no DAG source with file_token {file_token!r}")
    return code.source_code


def request_reparse(session: Session, file_token: str,
                    dag_ids: Collection[str] | None = None) -> str:
    """Make the DAG processor parse the file of `file_token` again at its next scan, even
    unchanged (its recorded stat and hash are cleared); returns the file's path. A caller
    confined to `dag_ids` may ask only for a file all of whose DAGs it may see."""
    code = session.get(DagCode, file_token)
    if code is None:
        raise NotFound(f"no DAG file with file_token {file_token!r}")
    if dag_ids is not None:
        in_file = set(session.scalars(select(DagModel.dag_id).where(
            DagModel.fileloc == code.fileloc)))
        if not in_file or not in_file <= set(dag_ids):
            raise NotFound(f"no DAG file with file_token {file_token!r}")
    session.execute(update(DagFile).where(DagFile.fileloc == code.fileloc)
                    .values(mtime=-1.0, content_hash=""))
    return code.fileloc


def import_error(session: Session, import_error_id: int) -> ImportError_:
    err = session.get(ImportError_, import_error_id)
    if err is None:
        raise NotFound(f"The ImportError with import_error_id: `{import_error_id}` was not found")
    return err
