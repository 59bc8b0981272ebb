"""Testing a connection (`POST /connections/test`) when `CROSSWIND_TEST_CONNECTION=enabled`.

Airflow calls the hook's `test_connection()`; Crosswind has no hooks for most systems, so it
probes the kinds it can reach with libraries it already depends on: PostgreSQL, SQLite, a
file system path, SMTP and HTTP(S). Any other type answers `status: false` with the reason,
as Airflow does for a hook without `test_connection`. Every probe has a short timeout: the
request is a user's button press, not a health check. Messages never echo the password.
"""

from __future__ import annotations

import json
import smtplib
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

TIMEOUT_SECONDS = 5.0
OK = "Connection successfully tested"


def _postgres(c: dict[str, Any]) -> str:
    import psycopg  # a dependency already: the PostgreSQL metadata database uses it

    with psycopg.connect(host=c.get("host") or "localhost", port=c.get("port") or 5432,
                         user=c.get("login") or None, password=c.get("password") or None,
                         dbname=c.get("schema") or None, connect_timeout=int(TIMEOUT_SECONDS),
                         ) as conn:
        conn.execute("SELECT 1")
    return OK


def _sqlite(c: dict[str, Any]) -> str:
    path = c.get("host") or ""
    if not path or not Path(path).is_file():
        raise ValueError(f"no SQLite database file at {path!r}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=TIMEOUT_SECONDS)
    try:
        conn.execute("SELECT 1")
    finally:
        conn.close()
    return OK


def _fs(c: dict[str, Any]) -> str:
    extra = json.loads(c.get("extra") or "{}")
    path = extra.get("path") or ""
    if not Path(path).exists():
        raise ValueError(f"path {path!r} does not exist")
    return OK


def _smtp(c: dict[str, Any]) -> str:
    with smtplib.SMTP(c.get("host") or "localhost", c.get("port") or 25,
                      timeout=TIMEOUT_SECONDS) as smtp:
        smtp.noop()
    return OK


def _http(c: dict[str, Any]) -> str:
    scheme = "https" if c.get("conn_type") == "https" else "http"
    host = c.get("host") or ""
    if "://" not in host:
        host = f"{scheme}://{host}"
    url = host + (f":{c['port']}" if c.get("port") else "") + "/" + (c.get("schema") or "")
    auth = (c["login"], c.get("password") or "") if c.get("login") else None
    r = httpx.get(url, auth=auth, timeout=TIMEOUT_SECONDS)
    if r.status_code >= 400:
        raise ValueError(f"{r.status_code}:{r.reason_phrase}")
    return OK


PROBES: dict[str, Callable[[dict[str, Any]], str]] = {
    "postgres": _postgres,
    "postgresql": _postgres,
    "sqlite": _sqlite,
    "fs": _fs,
    "smtp": _smtp,
    "email": _smtp,
    "http": _http,
    "https": _http,
}


def probe(values: dict[str, Any]) -> dict[str, Any]:
    """Airflow's ConnectionTest body: `status` and `message`."""
    kind = (values.get("conn_type") or "").lower()
    test = PROBES.get(kind)
    if test is None:
        return {"status": False,
                "message": f"Crosswind cannot test connections of type {kind!r} "
                           f"(it tests {', '.join(sorted(PROBES))})"}
    try:
        return {"status": True, "message": test(values)}
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, never a 500
        message = str(exc) or type(exc).__name__
        password = values.get("password")
        if password:
            message = message.replace(str(password), "***")
        return {"status": False, "message": message}
