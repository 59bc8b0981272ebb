"""Engine and sessions for SQLite (embedded) and PostgreSQL (production).

SQLite is tuned for many concurrent writers in several processes:
- WAL journal: readers never block the writer and vice versa.
- readers run in autocommit (one snapshot per statement, no BEGIN/ROLLBACK round trips),
  with busy_timeout 30 s for the rare moments a reader must wait (WAL recovery);
- writers `BEGIN IMMEDIATE`: they take the write lock up front, so two transactions never
  both read and then deadlock upgrading to write (the cause of most "locked" errors).
  Every writer (API, scheduler, fork server, task process, triggerer) takes it the same way,
  `take_write_lock()`: SQLite's own busy handler sleeps 1, 2, 5, 10, ... up to 100 ms between
  attempts, far longer than the lock is held (well under a millisecond per transaction
  here), so the lock is asked for without waiting and asked again after a random 0.2-2 ms
  pause, for up to WRITE_LOCK_DEADLINE seconds. Once held, nothing in the transaction
  waits again (a WAL commit needs no further lock).
- synchronous=NORMAL: with WAL this is still crash-safe for the database file; only the
  last transactions before a power loss may be rolled back.
- foreign_keys=ON: SQLite ignores FOREIGN KEY clauses otherwise.
"""

from __future__ import annotations

import contextlib
import random
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

READ_BUSY_TIMEOUT_MS = 30000
WRITE_LOCK_DEADLINE = 60.0


def take_write_lock(dbapi_conn: Any, deadline: float = WRITE_LOCK_DEADLINE) -> None:
    """`BEGIN IMMEDIATE`, retried with short random pauses while another writer holds the
    lock (see the module docstring); raises sqlite3.OperationalError after `deadline`."""
    give_up = time.monotonic() + deadline
    pause = 0.0002
    dbapi_conn.execute("PRAGMA busy_timeout=0")
    try:
        while True:
            try:
                dbapi_conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                text = str(exc).lower()
                if ("locked" not in text and "busy" not in text) or time.monotonic() > give_up:
                    raise
            time.sleep(pause * (1 + random.random()))
            pause = min(pause * 1.5, 0.002)
    finally:
        dbapi_conn.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA busy_timeout={READ_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front. Readers open no explicit transaction: each
        # statement reads a consistent WAL snapshot on its own, and the BEGIN/ROLLBACK
        # round trips were ~15% of a list request's time.
        if conn.get_execution_options().get("sqlite_immediate", False):
            take_write_lock(conn.connection.dbapi_connection)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create the engine for `url`; SQLite files get their folder created."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            u,
            connect_args={"check_same_thread": False, "timeout": READ_BUSY_TIMEOUT_MS / 1000},
            pool_size=pool_size,
            max_overflow=20,
        )
        _setup_sqlite(engine)
        return engine
    return create_engine(
        u, pool_size=pool_size, max_overflow=20, pool_pre_ping=True, pool_recycle=1800
    )


class Database:
    """Owns the engine and hands out short sessions: `read()` and `write()` (the one way to
    write: `write_connection()` is the same transaction without the ORM Session)."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write_engine = self.engine.execution_options(sqlite_immediate=True)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self._write_engine, expire_on_commit=False)
        # SQLite has one writer at a time. Threads of this process queue here for it
        # rather than in SQLite's busy handler, which polls with sleeps of up to 100 ms
        # (p99 of concurrent API writes: ~80 ms with it, a few ms with this lock).
        self._writers = threading.RLock() if self.is_sqlite else contextlib.nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any error."""
        with self._writers, self._write() as session, session.begin():
            yield session

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """`write()` for Core statements: the same lock and transaction, commit on success,
        rollback on error, without the Session's unit-of-work machinery (the cheapest path,
        for the engine's many small writes)."""
        with self._writers, self._write_engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
