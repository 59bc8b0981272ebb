"""Reading OpenAPI documents in tests: an operation's success schema, refs followed."""

from __future__ import annotations

from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m, p, op) for p, item in doc["paths"].items() for m, op in item.items()
            if m in METHODS]


def resolve(doc: dict[str, Any], node: Any) -> Any:
    """Follow local `$ref`s (also through components.responses) until a plain node."""
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def success(doc: dict[str, Any], op: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(status, response object) of the operation's one 2xx answer."""
    ok = [(code, resolve(doc, r)) for code, r in op["responses"].items() if code.startswith("2")]
    assert len(ok) == 1, f"expected one 2xx answer, got {[c for c, _ in ok]}"
    return ok[0]


def json_schema(doc: dict[str, Any], op: dict[str, Any]) -> dict[str, Any] | None:
    _, response = success(doc, op)
    return response.get("content", {}).get("application/json", {}).get("schema")
