"""Wake-up signal to the scheduler: an API change or a finished task reaches it at once.

Two channels, both best-effort (polling every `scheduler_heartbeat_sec` is the safety net):
- a Unix datagram socket in Linux's abstract namespace, named after the database URL, so
  every process on this host using the same database finds the scheduler without a file
  (no stale socket files, no 108-byte path limit). Sending never blocks.
- PostgreSQL `LISTEN/NOTIFY` on channel `crosswind_scheduler`, so schedulers on other hosts
  are woken too.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
from collections.abc import Callable

from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
CHANNEL = "crosswind_scheduler"


def address_for(db_url: str, role: str = "scheduler") -> str:
    digest = hashlib.sha1(db_url.encode(), usedforsecurity=False).hexdigest()[:20]
    return f"\0crosswind-{role}-{digest}"


class Doorbell:
    """A datagram socket a process polls without blocking (the DAG processor's loop wakes
    at least every 250 ms anyway): `rung()` says whether anyone sent since the last call.
    None of its own when another process of this host already listens on the address."""

    def __init__(self, db_url: str, role: str) -> None:
        self.sock: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        try:
            self.sock.bind(address_for(db_url, role))
        except OSError:
            self.sock.close()
            self.sock = None

    def rung(self) -> bool:
        count = 0
        while self.sock is not None:
            try:
                self.sock.recv(64)
            except BlockingIOError:
                break
            count += 1
        return count > 0

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


def send(address: str) -> None:
    """One datagram to the scheduler; silently nothing if no scheduler listens."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.setblocking(False)
        s.sendto(b"!", address)


class Receiver:
    """The scheduler's end: a bound datagram socket (plus a LISTEN connection on PG)."""

    def __init__(self, db_url: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        try:
            self.sock.bind(address_for(db_url))
        except OSError:  # another scheduler on this host owns it; NOTIFY/polling remain
            self.sock.close()
            self.sock = None  # type: ignore[assignment]
        self.pg = _listen(db_url)

    def filenos(self) -> list[int]:
        fds = [self.sock.fileno()] if self.sock is not None else []
        if self.pg is not None:
            fds.append(self.pg.fileno())
        return fds

    def drain(self) -> int:
        """Consume every pending signal; returns how many arrived."""
        count = 0
        while self.sock is not None:
            try:
                self.sock.recv(64)
            except BlockingIOError:
                break
            count += 1
        if self.pg is not None:
            try:
                self.pg.pgconn.consume_input()
                while self.pg.pgconn.notifies() is not None:
                    count += 1
            except Exception:  # noqa: BLE001 - a broken LISTEN connection must not stop us
                log.warning("LISTEN connection lost; relying on polling")
                self.pg = None
        return count

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        if self.pg is not None:
            self.pg.close()


def _listen(db_url: str):  # type: ignore[no-untyped-def]
    url = make_url(db_url)
    if url.get_backend_name() != "postgresql":
        return None
    import psycopg

    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        conn = psycopg.connect(libpq, autocommit=True)
        conn.execute(f"LISTEN {CHANNEL}")
    except psycopg.Error:
        log.warning("cannot LISTEN on PostgreSQL; relying on polling")
        return None
    return conn


def notifier(db_url: str, engine: object | None = None) -> Callable[[], None]:
    """A function that wakes the scheduler(s) of this database (for AppState etc.)."""
    address = address_for(db_url)
    is_pg = make_url(db_url).get_backend_name() == "postgresql"

    def notify() -> None:
        send(address)
        if is_pg and engine is not None:
            try:
                with engine.connect() as conn:  # type: ignore[attr-defined]
                    conn.exec_driver_sql(f"NOTIFY {CHANNEL}")
                    conn.commit()
            except Exception:
                log.debug("NOTIFY failed", exc_info=True)

    return notify
