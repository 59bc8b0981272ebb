"""Engine and sessions for SQLite (embedded) and PostgreSQL (production).

SQLite is tuned for many concurrent writers in several processes:
- WAL journal: readers never block the writer and vice versa.
- busy_timeout 30 s: a writer waits for the lock instead of failing with "database is locked".
- readers run in autocommit (one snapshot per statement, no BEGIN/ROLLBACK round trips);
- writers `BEGIN IMMEDIATE`: they take the write lock up front, so two transactions never
  both read and then deadlock upgrading to write (the cause of most "locked" errors).
- synchronous=NORMAL: with WAL this is still crash-safe for the database file; only the
  last transactions before a power loss may be rolled back.
- foreign_keys=ON: SQLite ignores FOREIGN KEY clauses otherwise.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front. Readers open no explicit transaction: each
        # statement reads a consistent WAL snapshot on its own, and the BEGIN/ROLLBACK
        # round trips were ~15% of a list request's time.
        if conn.get_execution_options().get("sqlite_immediate", False):
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """Create the engine for `url`; SQLite files get their folder created."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite":
        if u.database and u.database != ":memory:":
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            u,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=20,
        )
        _setup_sqlite(engine)
        return engine
    return create_engine(
        u, pool_size=pool_size, max_overflow=20, pool_pre_ping=True, pool_recycle=1800
    )


class Database:
    """Owns the engine and hands out short sessions: `read()` and `write()`."""

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
        """`write()` for Core statements: same locking (BEGIN IMMEDIATE on SQLite), commit on
        success, rollback on error, without the Session's unit-of-work machinery."""
        with self._writers, self._write_engine.begin() as conn:
            yield conn

    def dispose(self) -> None:
        self.engine.dispose()
