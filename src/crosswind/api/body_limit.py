"""Refuse request bodies over `max_request_body_bytes` with 413 before they are read.

A declared `Content-Length` over the limit is refused from the headers alone. A body without
one (chunked) is read up to the limit and then handed on, or refused the moment it passes
the limit, so no request can make the server hold more than the limit in memory. Any
`conf`, variable value or import inside a body is bounded by the same limit.
"""

from __future__ import annotations

import json
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]


def _problem(status: int, detail: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    title = {413: "Content Too Large", 400: "Bad Request"}[status]
    kind = {413: "RequestTooLarge", 400: "BadRequest"}[status]
    body = json.dumps({
        "type": "https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html"
                f"#section/Errors/{kind}",
        "title": title, "status": status, "detail": detail}).encode()
    headers = [(b"content-type", b"application/problem+json"),
               (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    return headers, body


class BodyLimit:
    def __init__(self, app: Any, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await self._refuse(send, 400, "Content-Length is not a number")
                return
            if size > self.limit:
                await self._refuse(send, 413, self._too_large())
                return
            await self.app(scope, receive, send)  # the server holds it to that length
            return
        if b"chunked" not in headers.get(b"transfer-encoding", b"").lower():
            await self.app(scope, receive, send)
            return
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            total += len(message.get("body", b""))
            if total > self.limit:
                await self._refuse(send, 413, self._too_large())
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _too_large(self) -> str:
        return (f"request body over {self.limit} bytes (CROSSWIND_MAX_REQUEST_BODY_BYTES)")

    @staticmethod
    async def _refuse(send: Any, status: int, detail: str) -> None:
        headers, body = _problem(status, detail)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
