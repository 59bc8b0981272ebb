"""The DAG processor's writes: one short transaction per chunk of parsed files.

Each function takes a Session inside `Database.write()` and touches only the rows of the
files it is given, loading what it needs in a few IN-queries (never one query per DAG).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crosswind.dags import dataset_schedule
from crosswind.dags.parser import ParseOutcome
from crosswind.dags.processor_next import last_intervals, next_run_fields
from crosswind.dags.serialize import dag_hash
from crosswind.models import DagCode, DagFile, DagModel, ImportError_, SerializedDag
from crosswind.store import dataset_refs
from crosswind.store.dags import file_token

DUPLICATE_MARK = "AirflowDagDuplicatedIdException"


@dataclass
class ParsedFile:
    """A changed file: what was stat-ed and read before parsing, and the parse outcome."""

    fileloc: str
    mtime: float
    size: int
    content_hash: str
    source: str
    outcome: ParseOutcome


@dataclass
class Defaults:
    paused_at_creation: bool
    catchup_by_default: bool


@dataclass
class ChunkStats:
    dags_written: int = 0
    import_errors: int = 0
    deactivated: int = 0
    claimed: dict[str, str] = field(default_factory=dict)


def _dag_columns(data: dict[str, Any], fileloc: str, now: datetime) -> dict[str, Any]:
    return {
        "fileloc": fileloc,
        "is_active": True,
        "description": data.get("description"),
        "dag_display_name": _display_name(data.get("dag_display_name"), data["dag_id"]),
        "owners": list(data.get("owners") or []),
        "tags": list(data.get("tags") or []),
        "schedule": dataset_schedule.shown_schedule(data) or data.get("schedule")
        or {"kind": "none", "value": None},
        "timetable_summary": data.get("timetable_summary"),
        "timetable_description": data.get("timetable_description"),
        "max_active_runs": data.get("max_active_runs"),
        "max_active_tasks": data.get("max_active_tasks"),
        "has_task_concurrency_limits": any(
            t.get("max_active_tis_per_dag") is not None for t in data.get("tasks", ())),
        "pools": sorted({t.get("pool") or "default_pool" for t in data.get("tasks", ())}),
        "last_parsed_time": now,
    }


def _display_name(name: Any, default: str) -> str | None:
    return None if not name or name == default else str(name)


def _batches(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


class ChunkWriter:
    """Applies the outcomes of one chunk of files inside one write transaction."""

    def __init__(
        self,
        session: Session,
        files: list[ParsedFile],
        present: set[str],
        claimed: dict[str, str],
        defaults: Defaults,
        now: datetime,
    ) -> None:
        self.s, self.files, self.present = session, files, present
        self.claimed, self.defaults, self.now = claimed, defaults, now
        self.stats = ChunkStats(claimed=claimed)
        locs = [f.fileloc for f in files]
        ids = sorted({d["dag_id"] for f in files for d in f.outcome.dags})
        self.dags = {
            d.dag_id: d for d in session.scalars(select(DagModel).where(DagModel.fileloc.in_(locs)))
        }
        self.hashes: dict[str, str] = {}
        # A file may define hundreds of DAGs: keep each IN list far below the databases'
        # bound-parameter limits (SQLite: 32,766).
        for part in _batches(ids):
            self.dags.update((d.dag_id, d) for d in session.scalars(
                select(DagModel).where(DagModel.dag_id.in_(part))))
            self.hashes.update((r[0], r[1]) for r in session.execute(
                select(SerializedDag.dag_id, SerializedDag.dag_hash)
                .where(SerializedDag.dag_id.in_(part))))
        self.errors = {
            e.filename: e
            for e in session.scalars(select(ImportError_).where(ImportError_.filename.in_(locs)))
        }
        self.codes = {
            c.file_token: c
            for c in session.scalars(select(DagCode).where(DagCode.fileloc.in_(locs)))
        }
        self.file_rows = {
            r.fileloc: r for r in session.scalars(select(DagFile).where(DagFile.fileloc.in_(locs)))
        }
        self.pending_next: list[tuple[DagModel, dict[str, Any]]] = []

    def apply(self) -> ChunkStats:
        for f in self.files:
            self._file(f)
        self._set_next_runs()
        dataset_refs.sync_dags(self.s.connection(), [d for _, d in self.pending_next], self.now)
        return self.stats

    def _owner_elsewhere(self, dag_id: str, fileloc: str) -> str | None:
        """The other file that already defines `dag_id` (Airflow keeps the first one)."""
        other = self.claimed.get(dag_id)
        if other is None:
            row = self.dags.get(dag_id)
            if row is not None and row.is_active and row.fileloc in self.present:
                other = row.fileloc
        return other if other is not None and other != fileloc else None

    def _file(self, f: ParsedFile) -> None:
        self._record_file(f)
        if f.outcome.error is not None:
            self._set_error(f.fileloc, f.outcome.error)
            return
        kept: set[str] = set()
        duplicates: list[str] = []
        for data in f.outcome.dags:
            other = self._owner_elsewhere(data["dag_id"], f.fileloc)
            if other is not None:
                duplicates.append(
                    f"{DUPLICATE_MARK}: Ignoring DAG {data['dag_id']} from "
                    f"{f.fileloc} - also found in {other}"
                )
                continue
            self.claimed[data["dag_id"]] = f.fileloc
            kept.add(data["dag_id"])
            self._upsert_dag(data, f.fileloc)
        if duplicates:
            self._set_error(f.fileloc, "\n".join(duplicates))
        elif f.fileloc in self.errors:
            self.s.delete(self.errors.pop(f.fileloc))
        self._store_code(f)
        for row in self.dags.values():
            if row.fileloc == f.fileloc and row.is_active and row.dag_id not in kept:
                row.is_active = False
                self.stats.deactivated += 1

    def _record_file(self, f: ParsedFile) -> None:
        row = self.file_rows.get(f.fileloc)
        if row is None:
            row = DagFile(fileloc=f.fileloc)
            self.s.add(row)
            self.file_rows[f.fileloc] = row
        row.mtime, row.size, row.content_hash = f.mtime, f.size, f.content_hash
        row.last_parsed, row.parse_duration = self.now, f.outcome.duration

    def _set_error(self, fileloc: str, text: str) -> None:
        self.stats.import_errors += 1
        err = self.errors.get(fileloc)
        if err is None:
            err = ImportError_(filename=fileloc, stacktrace=text, timestamp=self.now)
            self.s.add(err)
            self.errors[fileloc] = err
        elif err.stacktrace != text:
            err.stacktrace, err.timestamp = text, self.now

    def _store_code(self, f: ParsedFile) -> None:
        token = file_token(f.fileloc)
        code = self.codes.get(token)
        if code is None:
            self.s.add(
                DagCode(
                    file_token=token, fileloc=f.fileloc, source_code=f.source, last_updated=self.now
                )
            )
        elif code.source_code != f.source:
            code.source_code, code.last_updated = f.source, self.now

    def _upsert_dag(self, data: dict[str, Any], fileloc: str) -> None:
        dag_id = data["dag_id"]
        digest = dag_hash(data)
        row = self.dags.get(dag_id)
        changed = self.hashes.get(dag_id) != digest
        if row is None:
            pause = data.get("is_paused_upon_creation")
            row = DagModel(
                dag_id=dag_id,
                is_paused=(self.defaults.paused_at_creation if pause is None else bool(pause)),
            )
            self.s.add(row)
            self.dags[dag_id] = row
            changed = True
        elif not row.is_active or row.fileloc != fileloc:
            changed = True
        for key, value in _dag_columns(data, fileloc, self.now).items():
            setattr(row, key, value)
        if dag_id not in self.hashes:
            self.s.add(
                SerializedDag(
                    dag_id=dag_id,
                    fileloc=fileloc,
                    data=data,
                    dag_hash=digest,
                    last_updated=self.now,
                )
            )
        elif self.hashes[dag_id] != digest:
            self.s.execute(
                update(SerializedDag)
                .where(SerializedDag.dag_id == dag_id)
                .values(fileloc=fileloc, data=data, dag_hash=digest, last_updated=self.now)
            )
        self.hashes[dag_id] = digest
        if changed:
            self.stats.dags_written += 1
            self.pending_next.append((row, data))

    def _set_next_runs(self) -> None:
        last = last_intervals(self.s, (row.dag_id for row, _ in self.pending_next))
        for row, data in self.pending_next:
            fields = next_run_fields(
                data, last.get(row.dag_id), self.now, self.defaults.catchup_by_default
            )
            for key, value in fields.items():
                setattr(row, key, value)


def touch_files(session: Session, stats: list[tuple[str, float, int]]) -> None:
    """Files whose stat changed but whose content did not: remember the new stat only."""
    for fileloc, mtime, size in stats:
        session.execute(
            update(DagFile).where(DagFile.fileloc == fileloc).values(mtime=mtime, size=size)
        )


def remove_files(session: Session, filelocs: list[str]) -> int:
    """Forget deleted (or newly ignored) files; their DAGs become inactive, not deleted."""
    if not filelocs:
        return 0
    session.execute(delete(DagFile).where(DagFile.fileloc.in_(filelocs)))
    session.execute(delete(DagCode).where(DagCode.fileloc.in_(filelocs)))
    session.execute(delete(ImportError_).where(ImportError_.filename.in_(filelocs)))
    result = session.execute(
        update(DagModel)
        .where(DagModel.fileloc.in_(filelocs), DagModel.is_active.is_(True))
        .values(is_active=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def duplicate_error_files(session: Session) -> set[str]:
    """Files whose import error is only a duplicated dag_id: re-parse them when an owner goes."""
    return set(
        session.scalars(
            select(ImportError_.filename).where(ImportError_.stacktrace.like(f"{DUPLICATE_MARK}%"))
        )
    )
