"""A small server-sent-events reader for tests: (id, event, data) messages from httpx."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx


class Stream:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.iter_lines()
        self.last_id: str | None = None

    def next(self) -> dict[str, Any]:
        """The next message: {"id", "event", "data"} (data parsed JSON, or None)."""
        fields: dict[str, Any] = {}
        for line in self._lines:
            if line == "":
                if fields:
                    if "id" in fields:
                        self.last_id = fields["id"]
                    return fields
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            fields[name] = json.loads(value) if name == "data" else value
        raise EOFError("stream ended")

    def until(self, done: Callable[[dict[str, Any]], bool], timeout: float = 90,
              limit: int | None = None) -> list[dict[str, Any]]:
        """Data messages until one satisfies `done` (included) or `limit` were read."""
        out: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = self.next()
            if "data" not in msg:
                continue
            out.append(msg)
            if done(msg) or (limit is not None and len(out) >= limit):
                return out
        raise AssertionError(f"no final message in {timeout}s after {len(out)} messages")


@contextmanager
def open_stream(url: str, *, auth: Any = None, headers: dict[str, str] | None = None,
                params: Any = None) -> Iterator[Stream]:
    # Read timeout above the server's 15 s keepalive.
    timeout = httpx.Timeout(10, read=30)
    with httpx.stream("GET", url, auth=auth, headers=headers, params=params,
                      timeout=timeout) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        yield Stream(r)
