"""Every error leaves the API as RFC 7807 JSON: `type`, `title`, `status`, `detail`.

Domain errors (`crosswind.errors`) are mapped here and only here; request validation errors
become 400; an unexpected exception becomes a logged 500 problem (a bug: no input may cause it).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from crosswind.api.responses import JSON
from crosswind.errors import CrosswindError

log = logging.getLogger(__name__)

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    406: "Not Acceptable",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
}
TYPE_BASE = "https://airflow.apache.org/docs/apache-airflow/stable/stable-rest-api-ref.html#section/Errors/"
_TYPES = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "AlreadyExists",
    413: "RequestTooLarge",
    415: "UnsupportedMediaType",
    429: "TooManyRequests",
    500: "Unknown",
}


def problem(
    status: int, detail: str, *, title: str | None = None, headers: dict[str, str] | None = None
) -> JSON:
    body = {
        "type": TYPE_BASE + _TYPES.get(status, "Unknown"),
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    return JSON(body, status_code=status, headers=headers, media_type="application/problem+json")


def _describe_validation(errors: list[Any]) -> str:
    parts = []
    for err in errors[:5]:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",))
        parts.append(f"{loc}: {err.get('msg')}" if loc else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(CrosswindError)
    async def _domain(_: Request, exc: CrosswindError) -> JSON:
        return problem(exc.status, exc.detail, title=exc.title)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSON:
        return problem(400, _describe_validation(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSON:
        return problem(exc.status_code, str(exc.detail), headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_: Request, exc: IntegrityError) -> JSON:
        # The database refused a duplicate or dangling reference that a check missed (a race).
        return problem(409, "the change conflicts with existing data")

    # Hostile input that only the database or the driver notices: a number beyond 64 bits,
    # text with lone UTF-16 surrogates or NUL bytes. The transaction is rolled back, so
    # nothing changed; the detail names the kind of value, never the statement.
    @app.exception_handler(OverflowError)
    async def _overflow(_: Request, exc: OverflowError) -> JSON:
        return problem(400, "a number is out of range (integers must fit in 64 bits)")

    @app.exception_handler(UnicodeError)
    async def _unicode(_: Request, exc: UnicodeError) -> JSON:
        return problem(400, "text must be valid Unicode (no lone surrogates)")

    @app.exception_handler(DataError)
    async def _data(_: Request, exc: DataError) -> JSON:
        first = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else "invalid value"
        return problem(400, f"the database refused a value: {first}")

    @app.exception_handler(Exception)
    async def _bug(_: Request, exc: Exception) -> JSON:
        log.exception("unhandled error")
        return problem(500, "internal error; see the server log")
