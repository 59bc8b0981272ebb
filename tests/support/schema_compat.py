"""Is our response schema compatible with Airflow's? (names, types, nullability, enums)

Our documents are JSON Schema 2020-12 as pydantic writes it (`anyOf` with `null`); Airflow's
is OpenAPI 3.0 (`nullable`, `allOf`). Both are reduced to one form, then compared: every
property of Airflow's must be ours; a type must be the same (our integer for their number is
narrower, so fine); we may not be nullable where Airflow is not (the client would refuse the
null); enums must be equal.
"""

from __future__ import annotations

from typing import Any

from support.openapi_docs import resolve


def normal(doc: dict[str, Any], node: Any, depth: int = 0) -> dict[str, Any]:
    """{type, nullable, enum, properties, items, any} of a schema, refs and allOf folded."""
    # OpenAPI 3.0 writers put `nullable` beside a `$ref`; the client honours it there.
    beside = isinstance(node, dict) and bool(node.get("nullable"))
    node = resolve(doc, node) or {}
    out: dict[str, Any] = {"nullable": beside or bool(node.get("nullable")),
                           "type": node.get("type")}
    if "const" in node:
        out["enum"] = {node["const"]}
    if "enum" in node:
        out["enum"] = {v for v in node["enum"] if v is not None}
        out["nullable"] |= None in node["enum"]
    props: dict[str, Any] = {}
    alts = node.get("anyOf") or node.get("oneOf")
    for part in node.get("allOf", []):
        sub = normal(doc, part, depth)
        props.update(sub.get("properties", {}))
        out["type"] = out["type"] or sub["type"]
        out["nullable"] |= sub["nullable"]
    for name, value in node.get("properties", {}).items():
        if not resolve(doc, value).get("writeOnly"):
            props[name] = value
    if props:
        out["properties"], out["type"] = props, "object"
    if alts:
        kept = [a for a in alts if resolve(doc, a).get("type") != "null"]
        out["nullable"] |= len(kept) < len(alts)
        if len(kept) == 1:
            inner = normal(doc, kept[0], depth)
            inner["nullable"] |= out["nullable"]
            return inner
        out["any"] = kept
    if "items" in node:
        out["items"] = node["items"]
    return out


def differences(ours_doc: dict[str, Any], ours: Any, theirs_doc: dict[str, Any], theirs: Any,
                where: str = "$", depth: int = 0) -> list[str]:
    if depth > 8:
        return []
    a, b = normal(ours_doc, ours), normal(theirs_doc, theirs)
    found: list[str] = []
    if a["nullable"] and not b["nullable"]:
        found.append(f"{where}: nullable in ours, not in Airflow's")
    if b["type"] and a["type"] and a["type"] != b["type"] and (a["type"], b["type"]) != (
            "integer", "number"):
        found.append(f"{where}: type {a['type']} vs Airflow's {b['type']}")
    if a.get("enum") != b.get("enum") and (a.get("enum") or b.get("enum")):
        mine, airflows = sorted(a.get("enum") or []), sorted(b.get("enum") or [])
        found.append(f"{where}: enum {mine} vs {airflows}")
    if "properties" in b:
        mine = a.get("properties", {})
        for name, value in b["properties"].items():
            if name not in mine:
                found.append(f"{where}.{name}: missing in ours")
            else:
                found += differences(ours_doc, mine[name], theirs_doc, value, f"{where}.{name}",
                                     depth + 1)
    if "items" in b and "items" in a:
        found += differences(ours_doc, a["items"], theirs_doc, b["items"], f"{where}[]",
                             depth + 1)
    if "any" in b:
        alts = a.get("any", [])
        if len(alts) != len(b["any"]):
            found.append(f"{where}: {len(alts)} alternatives vs Airflow's {len(b['any'])}")
        for i, (x, y) in enumerate(zip(alts, b["any"], strict=False)):
            found += differences(ours_doc, x, theirs_doc, y, f"{where}<{i}>", depth + 1)
    return found
