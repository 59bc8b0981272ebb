"""Serving task logs from the worker that wrote them (as Airflow's worker log server does).

A worker runs `serve()` in a thread: `GET /log/<path under the logs folder>?offset=N&limit=M`
returns the bytes of that file, read-only; a path that leaves the logs folder (`..`,
absolute, symlink) is refused. Requests must carry `Authorization: Bearer <exp>.<hmac>`,
an HMAC-SHA256 of "<exp>:<path>" under a key derived from the Fernet key every Crosswind
process of a deployment shares, so only the API server can read the logs.

`RemoteWorkerLogs` is the logs endpoint's second source: when the log file is not on the
API server's disk, it asks the log server of the host recorded on the try.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from crosswind.execution.log_paths import log_path
from crosswind.security import load_fernet_key
from crosswind.settings import Settings

log = logging.getLogger(__name__)
TOKEN_TTL = 120  # seconds; generous for clock skew between hosts


def signing_key(settings: Settings) -> bytes:
    fernet = load_fernet_key(settings.fernet_key, settings.home)
    return hashlib.sha256(b"crosswind-log-server\0" + fernet.encode()).digest()


def sign(key: bytes, path: str, now: float | None = None) -> str:
    exp = int((now or time.time()) + TOKEN_TTL)
    mac = hmac.new(key, f"{exp}:{path}".encode(), hashlib.sha256).hexdigest()
    return f"{exp}.{mac}"


def verify(key: bytes, path: str, token: str, now: float | None = None) -> bool:
    exp, _, mac = token.partition(".")
    if not exp.isdigit() or int(exp) < (now or time.time()) - TOKEN_TTL:
        return False
    good = hmac.new(key, f"{exp}:{path}".encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(good, mac)


def resolve_inside(root: Path, rel: str) -> Path | None:
    """The real file for `rel` if it lies inside `root`, else None."""
    real_root = os.path.realpath(root)
    target = os.path.realpath(os.path.join(real_root, rel))
    if rel.startswith("/") or os.path.commonpath([real_root, target]) != real_root:
        return None
    return Path(target)


def _handler(root: Path, key: bytes) -> type[BaseHTTPRequestHandler]:
    class LogHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if not url.path.startswith("/log/"):
                return self._reply(404, b"not found\n")
            rel = unquote(url.path[len("/log/"):])
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Bearer ") or not verify(key, rel, auth[7:]):
                return self._reply(403, b"forbidden\n")
            path = resolve_inside(root, rel)
            if path is None:
                return self._reply(400, b"path outside the logs folder\n")
            qs = parse_qs(url.query)
            offset = int((qs.get("offset") or ["0"])[0] or 0)
            limit = (qs.get("limit") or [""])[0]
            try:
                with path.open("rb") as f:
                    f.seek(max(0, offset))
                    data = f.read(int(limit)) if limit else f.read()
            except (FileNotFoundError, IsADirectoryError):
                return self._reply(404, b"no such log\n")
            return self._reply(200, data)

        def _reply(self, code: int, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("log server: " + format, *args)

    return LogHandler


def serve(settings: Settings) -> ThreadingHTTPServer:
    """Start the log server in a daemon thread; returns it (call .shutdown() to stop)."""
    root = settings.logs_path
    root.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((settings.worker_log_server_host,
                                  settings.worker_log_server_port),
                                 _handler(root, signing_key(settings)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="log-server").start()
    return server


class RemoteWorkerLogs:
    """Logs endpoint source: the log server of the host that ran the try."""

    def __init__(self, settings: Settings, db: Any) -> None:
        self.settings = settings
        self.db = db

    def read(self, ti: Any, try_number: int, offset: int, limit: int | None) -> Any:
        import httpx

        from crosswind.api.routes.logs import LogChunk, decode_complete

        if self.settings.executor != "celery":
            return None  # local executor: the log file is on this host or nowhere
        host = self._hostname(ti, try_number)
        if not host:
            return None
        rel = str(log_path(Path(""), ti.dag_id, ti.run_id, ti.task_id, try_number,
                           ti.map_index))
        port = self.settings.worker_log_server_port
        url = f"http://{host}:{port}/log/{quote(rel)}"
        params = {"offset": offset, **({"limit": limit} if limit is not None else {})}
        headers = {"Authorization": f"Bearer {sign(signing_key(self.settings), rel)}"}
        try:
            resp = httpx.get(url, params=params, headers=headers, timeout=5)
        except httpx.HTTPError as exc:
            return LogChunk(f"*** Could not read served logs from {url}: {exc}\n", offset)
        if resp.status_code == 404:
            return None
        if resp.status_code != 200:
            return LogChunk(f"*** Log server {url} answered {resp.status_code}\n", offset)
        return decode_complete(resp.content, offset)

    def _hostname(self, ti: Any, try_number: int) -> str | None:
        from sqlalchemy import select

        from crosswind.models import TaskTry

        with self.db.read() as s:
            host = s.scalar(select(TaskTry.hostname).where(
                TaskTry.dag_id == ti.dag_id, TaskTry.run_id == ti.run_id,
                TaskTry.task_id == ti.task_id, TaskTry.map_index == ti.map_index,
                TaskTry.try_number == try_number))
        return host or None
