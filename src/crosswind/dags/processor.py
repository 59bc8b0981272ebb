"""The DAG processor: keeps the metadata store in step with the DAGs folder.

One `tick(now)` is one scan: stat every candidate file (`list_dag_files`, honouring
.airflowignore), compare with the `dag_files` table loaded once, confirm a changed stat by
the content's sha256, parse only the changed files in forked children
(`parse_files_isolated`, killed after CROSSWIND_DAG_FILE_PROCESSOR_TIMEOUT) and write each
chunk of CHUNK_SIZE files in one short transaction. A scan with nothing changed costs one
stat (and one small read for safe mode) per file and one query.

`run_forever` ticks on file-system events (watchfiles, 50 ms debounce) and at least every
CROSSWIND_DAG_PROCESSOR_RESCAN_INTERVAL seconds (default 30), and heart-beats its `jobs` row
every CROSSWIND_SCHEDULER_HEARTBEAT_SEC so /health can report it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from crosswind import plugins
from crosswind.dags.parser import list_dag_files, parse_files_isolated
from crosswind.dags.processor_db import (
    ChunkWriter,
    Defaults,
    ParsedFile,
    duplicate_error_files,
    remove_files,
    touch_files,
)
from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.models import DagFile, Job
from crosswind.scheduling import wakeup
from crosswind.settings import Settings

log = logging.getLogger(__name__)

CHUNK_SIZE = 64  # files per parse batch and per write transaction


@dataclass
class ProcessReport:
    """What one scan did."""

    files: int = 0
    unchanged: int = 0
    parsed: int = 0
    deleted: int = 0
    dags_written: int = 0
    import_errors: int = 0
    deactivated: int = 0
    duration: float = 0.0


RACY_SECONDS = 2.0


def _trusted_mtime(mtime: float) -> float:
    """The mtime to remember, or -1 when it is too recent to trust (git's "racy" files).

    The kernel stamps mtimes from a coarse clock: a second same-size edit within one tick
    keeps the stamp, so a stat match right after a write proves nothing. A -1 makes the
    next scan confirm by content hash (a read, not a parse) until the stamp is old.
    """
    return -1.0 if time.time() - mtime < RACY_SECONDS else mtime


@dataclass
class _Candidate:
    fileloc: str
    mtime: float
    size: int
    content_hash: str
    source: str


class DagProcessor:
    """Scans `settings.dags_path` and writes what it finds; see the module docstring."""

    def __init__(self, settings: Settings, db: Database, *, concurrency: int | None = None) -> None:
        self.settings = settings
        self.db = db
        plugins.configure(settings.plugins_path)  # timetables checked while serializing
        self.concurrency = concurrency or max(1, os.cpu_count() or 1)
        self.defaults = Defaults(settings.dags_are_paused_at_creation, settings.catchup_by_default)
        self._requeue: set[str] = set()
        # Called after each chunk so a long cold scan keeps the /health heartbeat fresh.
        self.on_chunk: Callable[[], None] | None = None

    def tick(self, now: datetime | None = None) -> ProcessReport:
        """One scan; when it freed a dag_id that a duplicate file wanted, a second pass
        re-parses that file at once (a DAG moved between files settles in one tick)."""
        started = time.monotonic()
        now = now or utcnow()
        report = self._scan(now)
        if self._requeue:
            again = self._scan(now)
            report.parsed += again.parsed
            report.dags_written += again.dags_written
            report.import_errors += again.import_errors
            report.deactivated += again.deactivated
        report.duration = time.monotonic() - started
        return report

    def _scan(self, now: datetime) -> ProcessReport:
        report = ProcessReport()
        folder = self.settings.dags_path
        paths = list_dag_files(str(folder)) if folder.is_dir() else []
        with self.db.read() as s:
            known = {r[0]: (r[1], r[2], r[3]) for r in s.execute(
                select(DagFile.fileloc, DagFile.mtime, DagFile.size, DagFile.content_hash))}
        changed, touched, present = self._diff(paths, known)
        report.files, report.parsed = len(present), len(changed)
        report.unchanged = len(present) - len(changed)
        gone = sorted(set(known) - present)
        if gone or touched:
            with self.db.write() as s:
                report.deactivated += remove_files(s, gone)
                touch_files(s, touched)
        report.deleted = len(gone)
        claimed: dict[str, str] = {}
        for i in range(0, len(changed), CHUNK_SIZE):
            self._process_chunk(changed[i : i + CHUNK_SIZE], present, claimed, now, report)
        if report.deactivated:
            with self.db.read() as s:
                self._requeue = duplicate_error_files(s) & present
        return report

    def _diff(
        self, paths: list[str], known: dict[str, tuple[float, int, str]]
    ) -> tuple[list[_Candidate], list[tuple[str, float, int]], set[str]]:
        """Split the folder into changed files (to parse) and touched ones (stat only)."""
        requeue, self._requeue = self._requeue, set()
        changed: list[_Candidate] = []
        touched: list[tuple[str, float, int]] = []
        present: set[str] = set()
        for path in paths:
            try:
                st = os.stat(path)
                row = known.get(path)
                if row and row[0] == st.st_mtime and row[1] == st.st_size and path not in requeue:
                    present.add(path)
                    continue
                with open(path, "rb") as f:
                    content = f.read()
            except OSError:  # vanished between listing and reading: deleted
                continue
            present.add(path)
            digest = hashlib.sha256(content).hexdigest()
            mtime = _trusted_mtime(st.st_mtime)
            if row and row[2] == digest and path not in requeue:
                touched.append((path, mtime, st.st_size))
                continue
            source = content.decode("utf-8", errors="replace")
            changed.append(_Candidate(path, mtime, st.st_size, digest, source))
        return changed, touched, present

    def _process_chunk(self, chunk: list[_Candidate], present: set[str],
                       claimed: dict[str, str], now: datetime, report: ProcessReport) -> None:
        outcomes = parse_files_isolated([c.fileloc for c in chunk],
                                        self.settings.dag_file_processor_timeout,
                                        concurrency=self.concurrency)
        files = [ParsedFile(c.fileloc, c.mtime, c.size, c.content_hash, c.source,
                            outcomes[c.fileloc]) for c in chunk]
        with self.db.write() as s:
            stats = ChunkWriter(s, files, present, claimed, self.defaults, now).apply()
        report.dags_written += stats.dags_written
        report.import_errors += stats.import_errors
        report.deactivated += stats.deactivated
        if self.on_chunk is not None:
            self.on_chunk()

    def safe_tick(self) -> ProcessReport | None:
        """A tick that logs instead of raising (the loop must survive a database hiccup)."""
        try:
            report = self.tick()
        except Exception:  # logged; the next tick retries
            log.exception("DAG processor scan failed")
            return None
        if report.parsed or report.deleted:
            log.info("scanned %d files: %d parsed, %d deleted, %d import errors in %.2f s",
                     report.files, report.parsed, report.deleted, report.import_errors,
                     report.duration)
        return report

    def run_forever(self, stop_event: threading.Event) -> None:
        """Tick now, then on file events or every rescan interval, until `stop_event`."""
        folder = self.settings.dags_path
        folder.mkdir(parents=True, exist_ok=True)
        job = _JobRow(self.db)
        self.on_chunk = job.heartbeat
        try:
            self.safe_tick()
            _wait_loop(self, folder, stop_event, job)
        finally:
            job.finish()


def _wait_loop(proc: DagProcessor, folder: os.PathLike[str], stop: threading.Event,
               job: _JobRow) -> None:
    settings = proc.settings
    beat = min(settings.scheduler_heartbeat_sec, settings.dag_processor_rescan_interval)
    events = _watch(folder, stop)
    doorbell = wakeup.Doorbell(settings.db_url, "dag-processor")  # PUT /parseDagFile
    last_scan = last_beat = time.monotonic()
    # The first wake-up (at most WAKE_MS after the watcher started) rescans once: a file
    # written between the initial scan and the watcher's start would be missed otherwise.
    first = True
    try:
        while not stop.is_set():
            if events is None:
                stop.wait(1.0)
                changes: object = True
            else:
                try:
                    changes = next(events)
                except StopIteration:
                    break
                except Exception:  # noqa: BLE001 - the watcher died (folder removed...): poll
                    log.warning("file watcher failed; polling the DAGs folder every second")
                    events, changes = None, True
            now = time.monotonic()
            if now - last_beat >= beat:
                job.heartbeat()
                last_beat = now
            if (changes or first or doorbell.rung()
                    or now - last_scan >= settings.dag_processor_rescan_interval) \
                    and not stop.is_set():
                proc.safe_tick()
                last_scan, first = time.monotonic(), False
    finally:
        doorbell.close()


WAKE_MS = 250  # the watcher yields at least this often, so heartbeats and rescans are on time


def _watch(folder: os.PathLike[str], stop: threading.Event) -> Iterator[set[object]] | None:
    try:
        import watchfiles

        return watchfiles.watch(folder, stop_event=stop, debounce=50, step=20,
                                rust_timeout=WAKE_MS, yield_on_timeout=True,
                                raise_interrupt=False)
    except Exception:  # noqa: BLE001 - no watcher available: poll every second instead
        log.warning("file-system events unavailable; polling the DAGs folder every second")
        return None


class _JobRow:
    """The processor's `jobs` row: created on start, heart-beaten, closed on stop."""

    def __init__(self, db: Database) -> None:
        self.db = db
        with db.write() as s:
            job = Job(job_type="dag_processor", state="running", hostname=socket.getfqdn(),
                      pid=os.getpid(), start_date=utcnow(), latest_heartbeat=utcnow())
            s.add(job)
            s.flush()
            self.id = job.id

    def heartbeat(self) -> None:
        try:
            with self.db.write() as s:
                s.execute(update(Job).where(Job.id == self.id).values(latest_heartbeat=utcnow()))
        except Exception:  # a missed heartbeat shows in /health
            log.exception("DAG processor heartbeat failed")

    def finish(self) -> None:
        try:
            with self.db.write() as s:
                s.execute(update(Job).where(Job.id == self.id)
                          .values(state="success", end_date=utcnow()))
        except Exception:  # shutting down anyway
            log.exception("cannot close the DAG processor job row")


def run_dag_processor(settings: Settings, db: Database, stop_event: threading.Event) -> None:
    """Entry point for the standalone command's thread and `crosswind dag-processor`."""
    DagProcessor(settings, db).run_forever(stop_event)
