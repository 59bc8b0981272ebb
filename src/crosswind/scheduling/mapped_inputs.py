"""The items a mapped index maps over, handed to its try in the work item.

Without this, each of 1,000 indexes mapping over an upstream's list would open a database
connection and read the whole list to take one item. When the scheduler queues map
indexes that expand one argument over a plain upstream XCom (not `.map()` / `.zip()`,
not a mapped upstream, a list not a dict), it reads each upstream
value once per batch and gives every index `{argument: [item, length]}`
(WorkItem.mapped_args); the try's expand input uses it (mapping.DictOfListsInput). Any
other shape leaves the item to the try, as before.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.execution.base import WorkItem
from crosswind.models import XCom
from crosswind.scheduling.dag_cache import DagInfo
from crosswind.scheduling.expansion import expands

_MISSING = object()


def attach(session: Session, items: list[WorkItem], infos: dict[str, DagInfo]) -> None:
    values: dict[tuple[str, str, str, str], Any] = {}

    def value(dag_id: str, run_id: str, task_id: str, key: str) -> Any:
        where = (dag_id, run_id, task_id, key)
        if where not in values:
            found = session.execute(select(XCom.value).where(
                XCom.dag_id == dag_id, XCom.run_id == run_id, XCom.task_id == task_id,
                XCom.key == key, XCom.map_index == -1)).first()
            values[where] = found[0] if found is not None else _MISSING
        return values[where]

    for item in items:
        if item.map_index < 0 or item.next_method:
            continue
        info = infos.get(item.dag_id)
        if info is None:
            continue
        item.mapped_args = _items(info, item, value)


def _items(info: DagInfo, item: WorkItem, value: Any) -> dict[str, Any] | None:
    spec = (info.tasks.get(item.task_id) or {}).get("expand_input") or {}
    # One argument only: the serialized spec need not keep the arguments' order, which
    # a cross product's positions depend on.
    if spec.get("type") != "dict-of-lists" or len(spec.get("lengths") or {}) != 1:
        return None
    lengths: dict[str, int] = {}
    lists: dict[str, list[Any]] = {}
    for arg, part in (spec.get("lengths") or {}).items():
        if "literal" in part:
            lengths[arg] = int(part["literal"])
            continue
        upstream = part.get("xcom")
        if not part.get("plain") or upstream is None or expands(info.tasks.get(upstream) or {}):
            return None
        got = value(item.dag_id, item.run_id, upstream, part.get("key") or "return_value")
        if not isinstance(got, list):
            return None  # a dict maps over its items: left to the try
        lists[arg], lengths[arg] = got, len(got)
    if not lists:
        return None
    out: dict[str, Any] = {}
    rest = item.map_index
    for arg in reversed(list(lengths)):
        if lengths[arg] == 0:
            return None
        rest, pos = divmod(rest, lengths[arg])
        if arg in lists:
            out[arg] = [lists[arg][pos], lengths[arg]]
    return out if rest == 0 else None
