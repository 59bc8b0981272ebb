"""One poller per API server process that reads new rows of `state_events` and hands them to
every open event stream (`GET /api/v1/events`).

Cost: while at least one stream is open, one indexed query (`id > :cursor`) every
POLL_SECONDS, however many streams there are; none once the last stream closes for
IDLE_STOP_SECONDS. Each stream filters in memory. A stream that resumes from an id older
than the memory buffer (BUFFER events) first reads the gap from the table, in pages.

Ordering without loss. The hub's `horizon` is an id below which the log is final: every id
<= horizon is either delivered or will never exist. On SQLite writers commit one at a time,
so ids commit in order. On PostgreSQL ids come from a sequence when the row is written and a
later id can commit first; a missing id ("gap") may belong to a transaction still running,
or to one that rolled back. The hub stops at a gap until it is settled: it notes the
snapshot's xmax when it first sees the gap, and once every transaction older than that has
ended (`pg_snapshot_xmin` passed it) and the id is still missing, it never will be. On
SQLite a gap (not expected) is passed after GAP_SECONDS.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, select, text
from starlette.concurrency import run_in_threadpool

from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.models.state_event import RETENTION, StateEvent

POLL_SECONDS = 0.25   # the added latency of a change on its way to a browser, at most
PAGE = 2000           # rows per query; a full page is followed at once by the next
BUFFER = 20_000       # events kept in memory for streams that fall behind or resume
IDLE_STOP_SECONDS = 30
GAP_SECONDS = 5.0     # SQLite only: a gap is impossible there, passed after this long
PG_GAP_MAX_SECONDS = 30.0  # PostgreSQL: longest wait for a gap (see _pass_gap)
PRUNE_EVERY_SECONDS = 3600

_E = StateEvent.__table__.c
_COLUMNS = (_E.id, _E.kind, _E.dag_id, _E.run_id, _E.task_id, _E.map_index, _E.try_number,
            _E.state, _E.previous_state, _E.filename, _E.created_at)
_NEWER = (select(*_COLUMNS).where(_E.id > bindparam("after")).order_by(_E.id).limit(PAGE))
_PG_XMAX = text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")
_PG_XMIN = text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
_PG_SNAPSHOT = text("SELECT pg_snapshot_xmin(s)::text::bigint, pg_snapshot_xmax(s)::text::bigint"
                    " FROM pg_current_snapshot() AS s")
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    kind: str
    dag_id: str | None
    data: dict[str, Any]


def _event(row: Row[Any]) -> Event:
    created: datetime = row.created_at
    data: dict[str, Any] = {"id": row.id, "type": row.kind, "timestamp": created.isoformat()}
    if row.kind == "import_error":
        data["filename"] = row.filename
    else:
        data.update(dag_id=row.dag_id, run_id=row.run_id, dag_run_id=row.run_id,
                    state=row.state, previous_state=row.previous_state)
        if row.kind == "task_instance":
            data.update(task_id=row.task_id, map_index=row.map_index,
                        try_number=row.try_number)
    return Event(row.id, row.kind, row.dag_id, data)


@dataclass
class _Gap:
    missing: int
    seen_at: float
    xmax: int | None
    settled: bool = False


class EventHub:
    """All state lives on the event loop; the thread pool only runs the queries."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.horizon = -1            # -1: not started (or stopped)
        self._floor = -1             # the buffer holds the events of (floor, horizon]
        self._buffer: list[Event] = []
        self._ids: list[int] = []
        self._changed = asyncio.Event()
        self._ready = asyncio.Event()
        self._streams = 0
        self._task: asyncio.Task[None] | None = None
        self._gap: _Gap | None = None
        self.polls = 0               # for tests and the benchmark

    # -- the poller ---------------------------------------------------------------------
    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._ready.clear()
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            self._begin(await run_in_threadpool(self._newest_final_id))
            idle_since: float | None = None
            while self._streams or idle_since is None or (
                    time.monotonic() - idle_since < IDLE_STOP_SECONDS):
                idle_since = None if self._streams else (idle_since or time.monotonic())
                rows, xmin, xmax = await run_in_threadpool(self._fetch, self.horizon)
                self.polls += 1
                if self._deliver(rows, xmin, xmax):
                    self._wake()
                if len(rows) < PAGE:
                    await asyncio.sleep(POLL_SECONDS)
        except Exception:  # a lost database: the next stream starts the poller again
            logger.exception("event poller stopped")
            await asyncio.sleep(1)
        finally:
            self._ready.clear()
            self.horizon = -1
            self._wake()

    def _wake(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _newest_final_id(self) -> int:
        """The newest id, once every transaction that might hold a lower one has ended."""
        with self.db.engine.connect() as conn:
            xmax = None if self.db.is_sqlite else conn.execute(_PG_XMAX).scalar()
            newest = conn.execute(select(func.max(_E.id))).scalar() or 0
            while xmax is not None and conn.execute(_PG_XMIN).scalar() < xmax:
                time.sleep(0.02)
        return int(newest)

    def _begin(self, newest: int) -> None:
        self.horizon = self._floor = newest
        self._buffer, self._ids, self._gap = [], [], None
        self._ready.set()

    def _fetch(self, after: int) -> tuple[list[Row[Any]], int | None, int | None]:
        """New rows, plus (PostgreSQL, only when they start with a gap or have one) the
        snapshot's xmin and xmax, read after the rows."""
        with self.db.engine.connect() as conn:
            rows = list(conn.execute(_NEWER, {"after": after}))
            gap = bool(rows) and rows[-1].id - after != len(rows)
            if gap and not self.db.is_sqlite:
                xmin, xmax = conn.execute(_PG_SNAPSHOT).one()
                return rows, int(xmin), int(xmax)
        return rows, None, None

    def _deliver(self, rows: list[Row[Any]], xmin: int | None, xmax: int | None) -> int:
        n = 0
        for row in rows:
            if row.id != self.horizon + 1 and not self._pass_gap(row.id, xmin, xmax):
                break
            self._append(_event(row))
            n += 1
        return n

    def _pass_gap(self, next_id: int, xmin: int | None, xmax: int | None) -> bool:
        missing = self.horizon + 1
        gap = self._gap
        if gap is None or gap.missing != missing:
            self._gap = _Gap(missing, time.monotonic(), xmax)
            return False
        if gap.settled:  # settled on an earlier poll, and this later read still lacks it
            self._gap = None
            self.horizon = next_id - 1
            return True
        if gap.xmax is None:
            gap.settled = time.monotonic() - gap.seen_at > GAP_SECONDS
        else:  # every transaction that was running when the gap was first seen has ended
            gap.settled = xmin is not None and xmin >= gap.xmax
            # xmin is cluster-wide: a transaction left open in another database would hold
            # the stream back for ever. Past PG_GAP_MAX_SECONDS the gap is passed (an event
            # whose transaction ran that long is lost to live streams, kept in the table).
            if not gap.settled and time.monotonic() - gap.seen_at > PG_GAP_MAX_SECONDS:
                logger.warning("state_events id %s still missing after %s s; passing it",
                               gap.missing, PG_GAP_MAX_SECONDS)
                gap.settled = True
        return False

    def _append(self, ev: Event) -> None:
        self._buffer.append(ev)
        self._ids.append(ev.id)
        self.horizon = ev.id
        if len(self._buffer) > BUFFER + BUFFER // 4:  # trim in batches: lists, not deques
            cut = len(self._buffer) - BUFFER
            self._floor = self._ids[cut - 1]
            del self._buffer[:cut], self._ids[:cut]

    # -- streams ------------------------------------------------------------------------
    @property
    def streams(self) -> int:
        return self._streams

    async def position(self) -> int:
        """The id a stream that starts now would resume after (starts the poller)."""
        while self.horizon < 0:
            self._start()
            await self._ready.wait()
        return self.horizon

    async def stream(self, after: int | None, accept: Callable[[Event], bool],
                     dag_ids: list[str] | None, keepalive: float
                     ) -> AsyncIterator[Event | None]:
        """Events with id > `after` (None: from now) that `accept` takes, in id order, for
        ever; None after `keepalive` seconds without one. `dag_ids` narrows the table reads
        of a resume (the in-memory ones rely on `accept`)."""
        self._streams += 1
        try:
            self._start()
            await self._ready.wait()
            cursor = self.horizon if after is None else after
            while True:
                if self.horizon < 0:  # the poller stopped: start it again
                    self._start()
                    await self._ready.wait()
                if cursor < self._floor:  # behind the buffer: read the table
                    upto = self._floor
                    page = await run_in_threadpool(self._read_table, cursor, upto, dag_ids)
                    for ev in page:
                        if accept(ev):
                            yield ev
                    cursor = page[-1].id if len(page) == PAGE else upto
                    continue
                waiter = self._changed
                fresh = self._buffer[bisect.bisect_right(self._ids, cursor):]
                cursor = max(cursor, self.horizon)
                sent = False
                for ev in fresh:
                    if accept(ev):
                        sent = True
                        yield ev
                if not sent:
                    try:
                        await asyncio.wait_for(waiter.wait(), keepalive)
                    except TimeoutError:
                        yield None
        finally:
            self._streams -= 1

    def _read_table(self, after: int, upto: int, dag_ids: list[str] | None) -> list[Event]:
        stmt = (select(*_COLUMNS).where(_E.id > after, _E.id <= upto)
                .order_by(_E.id).limit(PAGE))
        if dag_ids is not None:
            stmt = stmt.where(_E.dag_id.in_(dag_ids))
        with self.db.engine.connect() as conn:
            return [_event(r) for r in conn.execute(stmt)]


def prune(db: Database, now: datetime | None = None) -> int:
    """Delete events older than RETENTION; returns how many."""
    cutoff = (now or utcnow()) - RETENTION
    with db.write_connection() as conn:
        last = conn.execute(select(func.max(_E.id)).where(_E.created_at < cutoff)).scalar()
        if last is None:
            return 0
        return int(conn.execute(delete(StateEvent).where(_E.id <= last)).rowcount or 0)


async def prune_forever(db: Database) -> None:
    """The API server's background task: prune at start, then every PRUNE_EVERY_SECONDS."""
    while True:
        with contextlib.suppress(Exception):  # a locked or unreachable database: next time
            await run_in_threadpool(prune, db)
        await asyncio.sleep(PRUNE_EVERY_SECONDS)
