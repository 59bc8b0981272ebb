"""A window on a task try's log, and its download, for the task-instance page.

    GET /ui/data/dags/{d}/dagRuns/{r}/taskInstances/{t}/logs/{n}/window?before=B&size=S
        {"content", "start", "end", "size", "continuation_token"}
    GET /ui/data/dags/{d}/dagRuns/{r}/taskInstances/{t}/logs/{n}/search?q=text
        {"matches": [{"offset", "line"}], "truncated", "size"}
    GET /ui/data/dags/{d}/dagRuns/{r}/taskInstances/{t}/logs/{n}/download

The public log endpoint reads forward from a continuation token, which would make a page
read a 200 MB log from its first byte to show its end. The window is the last S bytes
(default WINDOW, at most MAX_WINDOW) before byte B (default: the end), cut at a line start,
so the page shows the tail at once, loads earlier parts on demand and follows new lines
with the public endpoint from `continuation_token` (the window's end). The search scans the
whole file in BLOCK pieces (case-insensitive) for at most MAX_MATCHES lines, each with its
byte offset, so the page can open a window there. The download streams the file in BLOCK
pieces, never holding it whole. Same rights as the public endpoint.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.api.routes.logs import CHUNK, LocalFiles, LogSource, decode_complete, read_log
from crosswind.api.schemas.logs import encode_token
from crosswind.errors import NotFound
from crosswind.execution.log_paths import log_path
from crosswind.execution.log_server import RemoteWorkerLogs
from crosswind.models import TaskInstance
from crosswind.store import dag_runs as run_store
from crosswind.store import task_instances as ti_store

router = APIRouter(prefix="/ui/data", include_in_schema=False)
_PATH = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{try_number}"
WINDOW = 256 * 1024     # what the page shows first: ~3,000 lines of a typical log
MAX_WINDOW = CHUNK      # the public endpoint's own bound per response
BLOCK = 64 * 1024       # download piece
SEARCH_BLOCK = 4 * 1024 * 1024  # a 200 MB log is scanned in ~1 s, 4 MB in memory at a time
MAX_MATCHES = 500
MAX_LINE = 2000         # a matching line is cut to this many bytes


def _ti(state: State, dag_id: str, run_id: str, task_id: str, try_number: int,
        map_index: int) -> TaskInstance:
    with state.db.read() as s:
        run_store.get_run(s, dag_id, run_id)
        ti = ti_store.get_ti(s, dag_id, run_id, task_id, map_index)
    if not 1 <= try_number <= ti.try_number:
        raise NotFound(f"Task instance {task_id!r} has no try {try_number}: "
                       f"tries so far: {ti.try_number}")
    return ti


def _local(state: State, ti: TaskInstance, try_number: int) -> Path:
    return log_path(state.settings.logs_path, ti.dag_id, ti.run_id, ti.task_id, try_number,
                    ti.map_index)


def _window_of_file(path: Path, before: int | None, size: int) -> JSON | None:
    try:
        with path.open("rb") as f:
            total = os.fstat(f.fileno()).st_size
            end = total if before is None else min(before, total)
            start = max(0, end - size)
            f.seek(start)
            data = f.read(end - start)
    except FileNotFoundError:
        return None
    if start > 0:  # begin at a line start: a cut first line would look like a log line
        cut = data.find(b"\n")
        if 0 <= cut < len(data) - 1:
            data, start = data[cut + 1:], start + cut + 1
    chunk = decode_complete(data, start)
    return JSON({"content": chunk.text, "start": start, "end": chunk.next_offset,
                 "size": total, "continuation_token": encode_token(chunk.next_offset)})


@router.get(_PATH + "/window")
def window(dag_id: str, dag_run_id: str, task_id: str, try_number: int, state: State,
           _: Allow("log", "read"), map_index: Annotated[int, Query(ge=-1)] = -1,
           before: Annotated[int | None, Query(ge=0)] = None,
           size: Annotated[int, Query(ge=1, le=MAX_WINDOW)] = WINDOW) -> JSON:
    ti = _ti(state, dag_id, dag_run_id, task_id, try_number, map_index)
    found = _window_of_file(_local(state, ti, try_number), before, size)
    if found is not None:
        return found
    # Not on this server's disk (a remote worker's): its log server reads forward only, so
    # the window is the log's beginning; the page follows on from there.
    remote: list[LogSource] = [RemoteWorkerLogs(state.settings, state.db)]
    chunk = read_log(remote, ti, try_number, 0, size)
    return JSON({"content": chunk.text, "start": 0, "end": chunk.next_offset,
                 "size": None, "continuation_token": encode_token(chunk.next_offset)})


def _lines_with(lines: bytes, low: bytes, want: bytes, base: int,
                found: list[dict[str, object]], limit: int) -> bool:
    """Append the lines of `lines` holding `want`; True once `limit` is reached."""
    at = low.find(want)
    while at >= 0:
        start = low.rfind(b"\n", 0, at) + 1
        end = low.find(b"\n", at)
        end = len(lines) if end < 0 else end
        text = lines[start:min(end, start + MAX_LINE)].decode("utf-8", "replace")
        found.append({"offset": base + start, "line": text})
        if len(found) >= limit:
            return True
        at = low.find(want, end)
    return False


def search_file(path: Path, needle: str, limit: int) -> tuple[list[dict[str, object]], bool]:
    """Lines holding `needle` (any case): (matches with their byte offsets, truncated)."""
    want = needle.lower().encode()
    found: list[dict[str, object]] = []
    carry, base = b"", 0  # carry: the last, unfinished line of the previous block
    with path.open("rb") as f:
        while True:
            block = f.read(SEARCH_BLOCK)
            data = carry + block
            cut = data.rfind(b"\n") + 1
            if not block or (cut == 0 and len(data) > 2 * SEARCH_BLOCK):
                cut = len(data)  # the end, or one huge line: search what there is
            lines, carry = data[:cut], data[cut:]
            if _lines_with(lines, lines.lower(), want, base, found, limit):
                return found, True
            base += cut
            if not block:
                return found, False


@router.get(_PATH + "/search")
def search(dag_id: str, dag_run_id: str, task_id: str, try_number: int, state: State,
           _: Allow("log", "read"), q: Annotated[str, Query(min_length=1, max_length=200)],
           map_index: Annotated[int, Query(ge=-1)] = -1,
           limit: Annotated[int, Query(ge=1, le=MAX_MATCHES)] = MAX_MATCHES) -> JSON:
    ti = _ti(state, dag_id, dag_run_id, task_id, try_number, map_index)
    path = _local(state, ti, try_number)
    if not path.is_file():
        raise NotFound("this log is not on the API server's disk (a remote worker's): "
                       "search the shown part instead")
    matches, truncated = search_file(path, q, limit)
    return JSON({"matches": matches, "truncated": truncated, "size": path.stat().st_size})


def _blocks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        while block := f.read(BLOCK):
            yield block


@router.get(_PATH + "/download")
def download(dag_id: str, dag_run_id: str, task_id: str, try_number: int, state: State,
             _: Allow("log", "read"),
             map_index: Annotated[int, Query(ge=-1)] = -1) -> Response:
    ti = _ti(state, dag_id, dag_run_id, task_id, try_number, map_index)
    suffix = "" if map_index < 0 else f"-{map_index}"
    name = f"{dag_id}-{dag_run_id}-{task_id}{suffix}-{try_number}.log"
    name = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in name)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    path = _local(state, ti, try_number)
    if path.is_file():
        return StreamingResponse(_blocks(path), media_type="text/plain; charset=utf-8",
                                 headers=headers)
    sources: list[LogSource] = [LocalFiles(state.settings.logs_path),
                                RemoteWorkerLogs(state.settings, state.db)]
    text = read_log(sources, ti, try_number, 0, None).text
    return Response(text, media_type="text/plain; charset=utf-8", headers=headers)
