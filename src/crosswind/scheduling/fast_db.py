"""Short SQLite lock waits for the engine's many small writers (scheduler, task processes).

SQLite's own busy handler sleeps 1, 2, 5, 10, ... up to 100 ms between attempts, so with
20 processes committing a few writes each, a waiter often sleeps far longer than the lock
is held (a write transaction here takes well under a millisecond). Engines passed through
`fail_fast()` return "database is locked" at once instead, and `retry()` tries again after
a random 0.2-2 ms pause, for up to `deadline` seconds. PostgreSQL is left as it is.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from crosswind.db.engine import Database

T = TypeVar("T")


def fail_fast(db: Database) -> Database:
    if db.is_sqlite:
        @event.listens_for(db.engine, "connect")
        def _no_wait(dbapi_conn: Any, _record: Any) -> None:  # runs after engine.py's pragmas
            dbapi_conn.execute("PRAGMA busy_timeout=0")
    return db


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "locked" in text or "busy" in text


def retry(fn: Callable[[], T], deadline: float = 60.0) -> T:
    """Call fn() until it does not fail on a busy SQLite lock (fn must be a whole txn)."""
    give_up = time.monotonic() + deadline
    pause = 0.0002
    while True:
        try:
            return fn()
        except OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() > give_up:
                raise
        time.sleep(pause * (1 + random.random()))
        pause = min(pause * 1.5, 0.002)


def write(db: Database, fn: Callable[[Any], T]) -> T:
    """fn(session) inside a write transaction, retried while the database is locked."""
    def attempt() -> T:
        with db.write() as s:
            return fn(s)
    return retry(attempt)


def write_conn(db: Database, fn: Callable[[Any], T]) -> T:
    """fn(connection) inside a Core write transaction (no ORM session: the cheapest path
    for the task processes' few statements), retried while the database is locked."""
    engine = db.engine.execution_options(sqlite_immediate=True)

    def attempt() -> T:
        with engine.begin() as conn:
            return fn(conn)
    return retry(attempt)


def read(db: Database, fn: Callable[[Any], T]) -> T:
    def attempt() -> T:
        with db.read() as s:
            return fn(s)
    return retry(attempt)
