"""Publishes each dialect's honest OpenAPI document.

FastAPI derives requests and parameters from the routes, but our routes answer with `JSON`
built from dicts, so it knows no success shape, and it advertises a 422 that we never send
(request errors are 400 problems, `crosswind.api.problems`). `publish` takes FastAPI's
document and puts in, per operation: the success answer from `operations.SUCCESS` (shapes
from the dialect), the error answers that can really occur, and who may call it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from crosswind.api.dialects import Dialect
from crosswind.api.openapi.operations import PUBLIC, SUCCESS, Success
from crosswind.api.openapi.own_shapes import Problem
from crosswind.api.openapi.seed_shapes import SEED_REPLACES

REF = "#/components/schemas/{model}"
METHODS = ("get", "post", "put", "patch", "delete")
WRITES = ("post", "put", "patch", "delete")

# Our words for each error answer; the body is always a Problem (RFC 7807).
ERRORS = {
    400: ("BadRequest", "Invalid input: a parameter or the body is malformed or out of range."),
    401: ("Unauthenticated", "No or bad credentials (see the WWW-Authenticate header)."),
    403: ("PermissionDenied", "The caller is known but lacks the right for this operation."),
    404: ("NotFound", "A resource named in the path (or the body) does not exist."),
    406: ("NotAcceptable", "The Accept header asks for a media type this operation lacks."),
    409: ("Conflict", "The change conflicts with existing data or with the resource's state."),
    413: ("RequestTooLarge", "The body exceeds CROSSWIND_MAX_REQUEST_BODY_BYTES."),
    429: ("TooManyRequests", "Too many wrong passwords; retry after the Retry-After seconds."),
}
# Operations without a path parameter that still answer 404 for a name in the body.
BODY_NOT_FOUND = {("post", "/datasets/events")}
# Operations that choose their media type by the Accept header and refuse others.
NEGOTIATED = {("get", "/dagSources/{file_token}"), ("get", "/config"),
              ("get", "/config/section/{section}/option/{option}")}

# One event of a text/event-stream answer (fuzzers check each event against it).
SSE_EVENT = {
    "type": "object",
    "description": "One server-sent event; resume after it with Last-Event-ID: <id>.",
    "properties": {
        "id": {"type": "string"},
        "event": {"type": "string", "description": "dag_run, task_instance or import_error"},
        "data": {"type": "string", "description": "The change, as a JSON object."},
        "retry": {"type": "integer"},
    },
}

SECURITY_SCHEMES = {
    "Basic": {"type": "http", "scheme": "basic",
              "description": "A user's name and password."},
    "Bearer": {"type": "http", "scheme": "bearer",
               "description": "A personal access token (POST /users/{username}/tokens)."},
}


def install_openapi(api: FastAPI, dialect: Dialect) -> None:
    """Make `api.openapi()` (and so `<mount>/openapi.json`) return the honest document."""
    derive: Callable[[], dict[str, Any]] = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            api.openapi_schema = publish(derive(), dialect)
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]


def publish(doc: dict[str, Any], dialect: Dialect) -> dict[str, Any]:
    """FastAPI's document `doc` with our answers, errors and security; a new dict."""
    doc = json.loads(json.dumps(doc))
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    names = _add_shapes(schemas, dialect)
    doc["components"]["responses"] = {
        name: {"description": text, "content": {
            "application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}}
        for name, text in ERRORS.values()
    }
    doc["components"]["securitySchemes"] = SECURITY_SCHEMES
    doc["security"] = [{"Basic": []}, {"Bearer": []}]
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if method in METHODS:
                _fill(op, method, path, names)
    return doc


def _shape(model: type[BaseModel], dialect: Dialect) -> type[BaseModel]:
    if dialect is Dialect.SEED:
        return SEED_REPLACES.get(model.__name__, model)
    return model


def _add_shapes(schemas: dict[str, Any], dialect: Dialect) -> dict[str, str]:
    """Add every response shape to `schemas`; returns shape name (as in SUCCESS) -> the
    component that the dialect publishes for it."""
    chosen = {m.__name__: _shape(m, dialect) for s in SUCCESS.values() for m in s.shapes}
    chosen[Problem.__name__] = Problem
    ordered = sorted(set(chosen.values()), key=lambda m: m.__name__)
    _, top = models_json_schema([(m, "serialization") for m in ordered], ref_template=REF)
    defs: dict[str, Any] = top.get("$defs", {})
    # A request model of the same name (e.g. ActionResource, strict) keeps its name.
    renames = {n: n + "Out" for n in defs if n in schemas}
    text = json.dumps(defs)
    for old, new in renames.items():
        text = text.replace(f'"{REF.format(model=old)}"', f'"{REF.format(model=new)}"')
    for name, schema in json.loads(text).items():
        schemas[renames.get(name, name)] = _tidy(schema)
    return {name: renames.get(m.__name__, m.__name__) for name, m in chosen.items()}


def _tidy(node: Any) -> Any:
    """Drop pydantic's generated property titles and `default: null` (noise for readers)."""
    if isinstance(node, dict):
        out = {k: _tidy(v) for k, v in node.items() if k != "default" or v is not None}
        props = out.get("properties")
        if isinstance(props, dict):
            for value in props.values():
                if isinstance(value, dict):
                    value.pop("title", None)
        return out
    if isinstance(node, list):
        return [_tidy(v) for v in node]
    return node


def _fill(op: dict[str, Any], method: str, path: str, names: dict[str, str]) -> None:
    success = SUCCESS.get((method, path))
    if success is None:
        # A route added without its row in operations.SUCCESS: still published (a document
        # must never fail to build), as "any JSON"; tests/api/test_openapi_honest.py fails.
        responses: dict[str, Any] = {"200": {"description": "Not yet documented.",
                                             "content": {"application/json": {"schema": {}}}}}
    else:
        responses = {str(success.status): _success(success, names)}
    for code in _errors(op, method, path):
        responses[str(code)] = {"$ref": f"#/components/responses/{ERRORS[code][0]}"}
    op["responses"] = responses
    if (method, path) in PUBLIC:
        op["security"] = []


def _success(success: Success, names: dict[str, str]) -> dict[str, Any]:
    if success.stream:
        return {"description": "A server-sent-events stream of state changes.",
                "content": {"text/event-stream": {"schema": SSE_EVENT}}}
    if not success.shapes:
        return {"description": "Done; no body."}
    refs = [{"$ref": REF.format(model=names[m.__name__])} for m in success.shapes]
    content = {"application/json": {"schema": refs[0] if len(refs) == 1 else {"anyOf": refs}}}
    if success.text:
        content["text/plain"] = {"schema": {"type": "string"}}
    return {"description": "Success.", "content": content}


def _errors(op: dict[str, Any], method: str, path: str) -> list[int]:
    codes: set[int] = set()
    if op.get("parameters") or "requestBody" in op:
        codes.add(400)
    if (method, path) not in PUBLIC:
        codes |= {401, 403, 429}
    if "{" in path or (method, path) in BODY_NOT_FOUND:
        codes.add(404)
    if (method, path) in NEGOTIATED:
        codes.add(406)
    if method in WRITES:
        codes.add(409)
    if "requestBody" in op:
        codes.add(413)
    return sorted(codes)
