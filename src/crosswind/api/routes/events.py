"""GET /events: server-sent events of DAG-run and task-instance state changes and import
errors, for browsers (EventSource) and scripts that would otherwise poll.

    GET /api/v1/events?dag_id=a&dag_id=b&type=task_instance
    Last-Event-ID: 1234        (or ?last_event_id=1234) resume after that event

Each message is `id: <n>`, `event: dag_run | task_instance | import_error` and one line of
JSON `data` (see `crosswind.api.event_hub._event`). Without Last-Event-ID a stream starts
now: its first message carries only the current id, so an EventSource that reconnects
resumes from there. A comment line every KEEPALIVE_SECONDS keeps proxies from closing an
idle stream. Rights: the caller's read rights on DAG runs, task instances and import errors
pick the types; a token confined to some DAGs sees only theirs (and no import errors, which
belong to files, not DAGs). Events are kept for 24 hours.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from crosswind.api.auth import Principal, authenticate
from crosswind.api.deps import State
from crosswind.api.event_hub import Event, EventHub
from crosswind.api.state import AppState
from crosswind.errors import Forbidden, InvalidInput

router = APIRouter(tags=["Event"])
KEEPALIVE_SECONDS = 15.0
RETRY_MS = 2000  # EventSource's reconnect delay
TYPES = {"dag_run": "dag_run", "task_instance": "task_instance", "import_error": "import_error"}
MAX_DAG_IDS = 1000


def hub_of(state: AppState) -> EventHub:
    if state.event_hub is None:
        state.event_hub = EventHub(state.db)
    hub: EventHub = state.event_hub
    return hub


def _types(who: Principal, wanted: list[str] | None, filtered: bool) -> set[str]:
    unknown = set(wanted or ()) - set(TYPES)
    if unknown:
        raise InvalidInput(f"unknown event type(s) {sorted(unknown)}; known: {sorted(TYPES)}")
    allowed = {t for t in TYPES if who.can(t, "read")}
    if filtered or who.dag_ids is not None:  # import errors belong to files, not DAGs
        allowed.discard("import_error")
    if not allowed:
        raise Forbidden(f"{who.username} may not read any events")
    return allowed & set(wanted) if wanted else allowed


def _resume_from(header: str | None, query: int | None) -> int | None:
    if header is None or header.strip() == "":
        return query
    try:
        value = int(header)
    except ValueError:
        raise InvalidInput(f"Last-Event-ID must be an event id (an integer), not {header!r}") \
            from None
    if value < 0:
        raise InvalidInput("Last-Event-ID must not be negative")
    return value


def _message(ev: Event) -> bytes:
    return (f"id: {ev.id}\nevent: {ev.kind}\n"
            f"data: {json.dumps(ev.data, separators=(',', ':'))}\n\n").encode()


@router.get("/events", response_class=StreamingResponse)
async def events(
    request: Request,
    state: State,
    dag_id: Annotated[list[str] | None, Query()] = None,
    event_type: Annotated[list[str] | None, Query(alias="type")] = None,
    last_event_id: Annotated[int | None, Query(ge=0)] = None,
    last_event_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> StreamingResponse:
    who = await authenticate(request)
    if dag_id is not None and len(dag_id) > MAX_DAG_IDS:
        raise InvalidInput(f"at most {MAX_DAG_IDS} dag_id values")
    kinds = _types(who, event_type, dag_id is not None)
    wanted = None if dag_id is None else {d for d in dag_id if who.can_dag(d)}
    if who.dag_ids is not None:
        wanted = set(who.dag_ids) if wanted is None else wanted & who.dag_ids
    after = _resume_from(last_event_header, last_event_id)
    hub = hub_of(state)
    start = await hub.position() if after is None else after

    def accept(ev: Event) -> bool:
        return ev.kind in kinds and (wanted is None or ev.dag_id in wanted)

    async def body() -> AsyncIterator[bytes]:
        yield f"retry: {RETRY_MS}\n".encode() + (
            f"id: {start}\n\n".encode() if after is None else b"\n")
        table_filter = None if wanted is None else sorted(wanted)
        async for ev in hub.stream(start, accept, table_filter, KEEPALIVE_SECONDS):
            yield b": keepalive\n\n" if ev is None else _message(ev)

    return StreamingResponse(body(), media_type="text/event-stream", headers={
        "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
