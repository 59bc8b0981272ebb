"""Short database reads for `async def` routes: inline on SQLite, in the thread pool otherwise.

A sync route costs a hop to the thread pool per request, and with several requests in flight
the worker threads then fight over the GIL: at concurrency 8 the server CPU per request of
`GET /variables?limit=100` rose from ~1.0 to ~1.6 ms. A SQLite read (WAL: never waits for a
writer) is an in-process call of a fraction of a millisecond, cheaper inline on the event loop
than the hop. A PostgreSQL read waits on the network, which would stall every other request on
the loop, so there the read still goes to the thread pool (measured on a local PostgreSQL,
inline saved CPU but almost no wall time at concurrency 8, about 1.25 vs 1.4 ms per request;
with a database across a network every round trip would serialise the whole server).

`read` gives `fn` a Core `Connection`: the hottest routes select columns, and the ORM's
statement handling was a third of the cost of a two-query request. `read_session` gives an
ORM Session, for routes that render entities (render inside `fn`, while the session is open).

Only for short reads (a page of a small table, one row by key). Writes never run inline: on
SQLite a writer may wait for the lock (busy timeout). Heavy queries (joined lists over many
runs or task instances) also stay in sync routes: sqlite3 releases the GIL while a statement
runs, so in a worker thread a long query does not stall the loop, inline it would.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from crosswind.api.state import AppState

T = TypeVar("T")


def _on_connection(state: AppState, fn: Callable[[Connection], T]) -> T:
    with state.db.engine.connect() as conn:
        return fn(conn)


async def read(state: AppState, fn: Callable[[Connection], T]) -> T:
    """`fn(connection)` on a pooled connection (see the module docstring for where it runs)."""
    if state.db.is_sqlite:
        return _on_connection(state, fn)
    return await run_in_threadpool(_on_connection, state, fn)


def _in_session(state: AppState, fn: Callable[[Session], T]) -> T:
    with state.db.read() as s:
        return fn(s)


async def read_session(state: AppState, fn: Callable[[Session], T]) -> T:
    """`fn(session)` in a short read session; runs where `read` runs."""
    if state.db.is_sqlite:
        return _in_session(state, fn)
    return await run_in_threadpool(_in_session, state, fn)
