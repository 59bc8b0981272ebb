"""HEAD and OPTIONS for every API resource, as Airflow 2's (Flask) API answers them.

    OPTIONS  200, empty body, `Allow:` the methods the resource really has (its routes',
             plus HEAD where there is GET, plus OPTIONS); no credentials needed, since
             nothing but the method list is shown. A path no route matches stays a 404.
    HEAD     the GET of the same URL (same status, headers and authorization) without
             the body; not for the never-ending `/events` stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class HttpMethods:
    def __init__(self, app: ASGIApp, routes: Sequence[BaseRoute]) -> None:
        self.app = app
        self.routes = routes  # the API's router list (routes included later show up too)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("OPTIONS", "HEAD"):
            await self.app(scope, receive, send)
        elif scope["method"] == "HEAD":
            if scope["path"].endswith("/events"):
                await self.app(scope, receive, send)  # a stream: HEAD stays a 405
                return
            await self.app({**scope, "method": "GET"}, receive, _without_body(send))
        elif allowed := self.allowed(scope):
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"allow", ", ".join(sorted(allowed)).encode()), (b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
        else:
            await self.app(scope, receive, send)  # no such resource: the router's 404

    def allowed(self, scope: Scope) -> set[str]:
        """Asks the routes per method (included routers nest routes: a route's own method
        list is not always at hand)."""
        methods = {m for m in _METHODS if any(
            route.matches({**scope, "method": m})[0] is Match.FULL for route in self.routes)}
        if "GET" in methods:
            methods.add("HEAD")
        return methods | {"OPTIONS"} if methods else set()


def _without_body(send: Send) -> Any:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.body":
            if message.get("more_body", False):
                return  # swallow the streamed chunks; the last (empty) message ends it
            message = {"type": "http.response.body", "body": b""}
        await send(message)

    return wrapped
