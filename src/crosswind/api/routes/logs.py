"""GET .../taskInstances/{task_id}/logs/{task_try_number}: a task try's log.

JSON `{"content", "continuation_token"}` by default (at most CHUNK bytes per call; pass the
token back to get what was written since, so a running task's log can be followed);
`full_content=true` returns everything from the token's offset; `Accept: text/plain`
returns the text itself. Sources are tried in order (`SOURCES`): today the local log file;
issue 5 adds the remote Celery worker's log server (hostname in task_tries) as a second one.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Protocol

from fastapi import APIRouter, Header, Query, Response

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.api.schemas.logs import decode_token, encode_token
from crosswind.errors import NotFound
from crosswind.execution.log_paths import log_path
from crosswind.execution.log_server import RemoteWorkerLogs
from crosswind.models import TaskInstance
from crosswind.store import dag_runs as run_store
from crosswind.store import task_instances as ti_store

router = APIRouter(tags=["TaskInstance"])
CHUNK = 1024 * 1024  # bytes per response without full_content: bounded memory per request


@dataclass(frozen=True)
class LogChunk:
    text: str
    next_offset: int


class LogSource(Protocol):
    def read(
        self, ti: TaskInstance, try_number: int, offset: int, limit: int | None
    ) -> LogChunk | None:
        """Text from byte `offset` (at most `limit` bytes); None when this source has no log."""


@dataclass(frozen=True)
class LocalFiles:
    """Log files written by the local executor under the logs folder."""

    folder: Path

    def read(
        self, ti: TaskInstance, try_number: int, offset: int, limit: int | None
    ) -> LogChunk | None:
        path = log_path(self.folder, ti.dag_id, ti.run_id, ti.task_id, try_number, ti.map_index)
        try:
            with path.open("rb") as f:
                f.seek(offset)
                data = f.read() if limit is None else f.read(limit)
        except FileNotFoundError:
            return None
        return decode_complete(data, offset)


def decode_complete(data: bytes, offset: int) -> LogChunk:
    """Decode whole UTF-8 characters only: a character cut by the writer (or by the chunk
    limit) is left for the next call, so continuation never splits one."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(data, final=False)
    pending = len(decoder.getstate()[0])
    return LogChunk(text, offset + len(data) - pending)


def read_log(
    sources: list[LogSource], ti: TaskInstance, try_number: int, offset: int, limit: int | None
) -> LogChunk:
    for source in sources:
        chunk = source.read(ti, try_number, offset, limit)
        if chunk is not None:
            return chunk
    return LogChunk("", offset)  # the try ran but wrote nothing yet


@router.get("/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}")
def get_log(
    dag_id: str,
    dag_run_id: str,
    task_id: str,
    task_try_number: int,
    state: State,
    _: Allow("log", "read"),
    full_content: bool = False,
    token: str | None = None,
    map_index: Annotated[int, Query(ge=-1)] = -1,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    offset = decode_token(token)
    with state.db.read() as s:
        run_store.get_run(s, dag_id, dag_run_id)
        ti = ti_store.get_ti(s, dag_id, dag_run_id, task_id, map_index)
    if not 1 <= task_try_number <= ti.try_number:
        raise NotFound(
            f"Task instance {task_id!r} has no try {task_try_number}: tries so far: {ti.try_number}"
        )
    sources: list[LogSource] = [LocalFiles(state.settings.logs_path),
                                RemoteWorkerLogs(state.settings, state.db)]
    plain = accept is not None and "text/plain" in accept and "application/json" not in accept
    limit = None if full_content or plain else CHUNK
    chunk = read_log(sources, ti, task_try_number, offset, limit)
    if plain:
        return Response(chunk.text, media_type="text/plain; charset=utf-8")
    return JSON({"content": chunk.text, "continuation_token": encode_token(chunk.next_offset)})
