"""The hot path of GET /dags: one page of DAG rows as plain, wire-ready dicts.

Skips the ORM and SQLAlchemy's per-value type processing (the bulk of the cost for 100
rows): rows come back raw and hashable (datetimes as SQLite text or PostgreSQL datetimes,
JSON as text); `row_dict` turns one into ISO strings and parsed JSON, the same output as
`wire_row(DagModel)`. The route caches its rendering by the raw row, so an unchanged DAG
costs a dict lookup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Integer, Select, String, Text, bindparam, cast, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from crosswind.models import DagModel, ImportError_

DATETIMES = ("last_parsed_time", "next_dagrun", "next_dagrun_data_interval_start",
             "next_dagrun_data_interval_end", "next_dagrun_create_after")
JSONS = ("owners", "tags", "schedule")
PLAIN = ("dag_id", "fileloc", "is_paused", "is_active", "description", "timetable_description",
         "max_active_runs", "max_active_tasks", "has_task_concurrency_limits",
         "dag_display_name")


def _iso(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is str:
        # SQLite text, naive UTC "YYYY-MM-DD HH:MM:SS.ffffff"; isoformat() drops zero µs.
        text = value.replace(" ", "T", 1)
        return (text[:-7] if text.endswith(".000000") else text) + "+00:00"
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None
                else value.astimezone(UTC)).isoformat()
    return str(value)


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def wire_row(dag: DagModel) -> dict[str, Any]:
    """The same dict as the fast path, from an ORM object (single-DAG endpoints)."""
    row: dict[str, Any] = {k: getattr(dag, k) for k in PLAIN + JSONS}
    row.update({k: _iso(getattr(dag, k)) for k in DATETIMES})
    return row


def _columns() -> list[ColumnElement[Any]]:
    table = DagModel.__table__.c
    plain = [table[k] for k in PLAIN]
    # Raw values only (str/int/bool/None, or datetimes on PostgreSQL), so a row is hashable
    # and callers can cache what they render from it by its full content.
    raw = [type_coerce(table[k], String).label(k) for k in DATETIMES]
    raw += [cast(table[k], Text).label(k) for k in JSONS]
    broken = ImportError_.id.is_not(None).label("has_import_errors")
    return [*plain, *raw, broken]


_COLUMNS = _columns()  # built once: constructing the select is a visible share of the cost
_N_PLAIN, _N_DT = len(PLAIN), len(DATETIMES)


@dataclass(frozen=True)
class PageQuery:
    """Prepared statements of one filter + order combination (limit/offset bound later)."""

    count: Select[Any]
    rows: Select[Any]


def prepare(where: list[ColumnElement[bool]], order: list[Any]) -> PageQuery:
    return PageQuery(
        count=select(func.count()).select_from(DagModel).where(*where),
        rows=(select(*_COLUMNS)
              .outerjoin(ImportError_, ImportError_.filename == DagModel.fileloc)
              .where(*where).order_by(*order)
              .limit(bindparam("lim", type_=Integer)).offset(bindparam("off", type_=Integer))),
    )


def row_dict(r: Sequence[Any]) -> dict[str, Any]:
    """The wire-ready dict of a raw row from `page()`."""
    row = dict(zip(PLAIN, r[:_N_PLAIN], strict=True))
    for i, k in enumerate(DATETIMES, _N_PLAIN):
        row[k] = _iso(r[i])
    for i, k in enumerate(JSONS, _N_PLAIN + _N_DT):
        row[k] = _json(r[i])
    row["has_import_errors"] = bool(r[-1])
    return row


def page(session: Session, query: PageQuery, limit: int, offset: int
         ) -> tuple[list[tuple[Any, ...]], int]:
    """One page of raw, hashable rows (see `row_dict`) and the filtered total."""
    total = session.scalar(query.count) or 0
    if total <= offset or limit == 0:
        return [], total
    result = session.execute(query.rows, {"lim": limit, "off": offset})
    return [tuple(r) for r in result], total


def with_errors(session: Session, rows: list[Mapping[str, Any]]) -> set[str]:
    """Filelocs among `rows` that currently have an import error."""
    locs = list({r["fileloc"] for r in rows})
    if not locs:
        return set()
    return set(session.scalars(select(ImportError_.filename)
                               .where(ImportError_.filename.in_(locs))))
