"""GET /ui/data/dags/{dag_id}/graph: a DAG's graph laid out left to right, by us.

    {"nodes":  [{id, label, x, y, w, h, mapped, operator}],    absolute positions (px)
     "groups": [{id, label, x, y, w, h}],                       boxes, outer ones first
     "edges":  [[upstream_id, downstream_id], ...],
     "width", "height"}

A layered ("Sugiyama") layout, done per container: the DAG, then each task group inside out.
In a container its tasks and its child groups are the items; a child group is one item as
big as its own layout, so a group's box holds exactly its members and never another task.
Items are put in layers by longest path (edges between two members of one item are that
item's business), ordered in each layer by the mean position of their neighbours (SWEEPS
passes each way) to cut crossings, then stacked. 500 tasks lay out in a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Path

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.store.dag_runs import serialized

router = APIRouter(prefix="/ui/data", include_in_schema=False)
NODE_W, NODE_H = 180, 34      # a task's box
GAP_X, GAP_Y = 56, 12         # between layers, between items of a layer
PAD, HEAD = 12, 22            # a group's inner margin, its title's height
SWEEPS = 4


@dataclass
class Box:
    """A laid-out item: a task (no children) or a group (positions relative to it)."""

    id: str
    w: float
    h: float
    group: bool = False
    children: list[tuple[Box, float, float]] = field(default_factory=list)


def group_tree(groups: dict[str, list[str]], tasks: list[str]) -> tuple[dict[str, str | None],
                                                                         dict[str, str | None]]:
    """(group -> parent group, task -> innermost group): the smallest group holding all of
    a group's members (on equal members, the shorter id is the outer one)."""
    sets = {g: frozenset(m) for g, m in groups.items() if m}
    order = sorted(sets, key=lambda g: (len(sets[g]), -len(g)))  # inner first

    def smallest_holding(members: frozenset[str], exclude: str | None) -> str | None:
        for g in order:
            if g != exclude and members <= sets[g] and (
                    members != sets[g] or exclude is None or len(g) < len(exclude)):
                return g
        return None

    parent = {g: smallest_holding(sets[g], g) for g in sets}
    owner = {t: smallest_holding(frozenset([t]), None) for t in tasks}
    return parent, owner


def _layers(items: list[str], edges: set[tuple[str, str]]) -> dict[str, int]:
    """Longest-path layers; items on a cycle (possible once groups are collapsed) go after
    their placed predecessors."""
    preds: dict[str, set[str]] = {i: set() for i in items}
    for a, b in edges:
        preds[b].add(a)
    layer: dict[str, int] = {}
    pending = list(items)
    while pending:
        ready = [i for i in pending if preds[i] <= layer.keys()] or [pending[0]]
        for i in ready:
            layer[i] = 1 + max((layer[p] for p in preds[i] if p in layer), default=-1)
        pending = [i for i in pending if i not in layer]
    return layer


def _order(columns: list[list[str]], edges: set[tuple[str, str]]) -> None:
    """Barycentre ordering in place: each layer sorted by its neighbours' mean position."""
    ups: dict[str, list[str]] = {}
    downs: dict[str, list[str]] = {}
    for a, b in edges:
        downs.setdefault(a, []).append(b)
        ups.setdefault(b, []).append(a)
    for sweep in range(SWEEPS * 2):
        forward = sweep % 2 == 0
        seq = range(1, len(columns)) if forward else range(len(columns) - 2, -1, -1)
        for c in seq:
            ref = columns[c - 1] if forward else columns[c + 1]
            pos = {item: n for n, item in enumerate(ref)}
            near = ups if forward else downs
            cur = {item: n for n, item in enumerate(columns[c])}

            def key(item: str, pos: dict[str, int] = pos, near: dict[str, list[str]] = near,
                    cur: dict[str, int] = cur) -> float:
                seen = [pos[n] for n in near.get(item, ()) if n in pos]
                return sum(seen) / len(seen) if seen else float(cur[item])

            columns[c].sort(key=key)


def place(container: str | None, kids: dict[str | None, list[str]], boxes: dict[str, Box],
          item_of: dict[str, dict[str, str]], edges: list[tuple[str, str]]) -> Box:
    """Lay out one container (None: the DAG) after its child groups, inside out."""
    items = kids.get(container, [])
    for i in items:
        if i not in boxes:  # a child group
            boxes[i] = place(i, kids, boxes, item_of, edges)
    mine = item_of.get(container or "", {})
    local = {(mine[a], mine[b]) for a, b in edges
             if a in mine and b in mine and mine[a] != mine[b]}
    layer = _layers(items, local)
    columns: list[list[str]] = [[] for _ in range(max(layer.values(), default=-1) + 1)]
    for i in items:
        columns[layer[i]].append(i)
    _order(columns, local)
    heights = [sum(boxes[i].h for i in col) + GAP_Y * (len(col) - 1) for col in columns]
    inner_h = max(heights, default=0)
    top, left = (HEAD, PAD) if container else (0, 0)
    out = Box(container or "", 0, 0, group=True)
    x = float(left)
    for col, h in zip(columns, heights, strict=True):
        y = top + (inner_h - h) / 2
        for i in col:
            out.children.append((boxes[i], x, y))
            y += boxes[i].h + GAP_Y
        x += max(boxes[i].w for i in col) + GAP_X
    out.w = max(x - GAP_X + (PAD if container else 0), NODE_W)
    out.h = inner_h + top + (PAD if container else 0)
    return out


def _flatten(box: Box, x: float, y: float, tasks: dict[str, dict[str, Any]],
             nodes: list[dict[str, Any]], groups: list[dict[str, Any]]) -> None:
    for child, cx, cy in box.children:
        ax, ay = round(x + cx), round(y + cy)
        if child.group:
            groups.append({"id": child.id, "label": child.id.rsplit(".", 1)[-1], "x": ax,
                           "y": ay, "w": round(child.w), "h": round(child.h)})
            _flatten(child, x + cx, y + cy, tasks, nodes, groups)
        else:
            t = tasks[child.id]
            nodes.append({"id": child.id, "label": t.get("task_display_name") or child.id,
                          "x": ax, "y": ay, "w": NODE_W, "h": NODE_H,
                          "mapped": bool(t.get("is_mapped")), "operator": t.get("task_type")})


def layout(dag: dict[str, Any]) -> dict[str, Any]:
    """The graph of a serialized DAG (see the module docstring for the shape)."""
    tasks = {t["task_id"]: t for t in dag.get("tasks", [])}
    parent, owner = group_tree(dag.get("task_group_members") or {}, list(tasks))
    kids: dict[str | None, list[str]] = {}
    for g in sorted(parent):
        kids.setdefault(parent[g], []).append(g)
    for t in sorted(tasks):
        kids.setdefault(owner[t], []).append(t)
    # For each container: task -> the item of the container holding it.
    item_of: dict[str, dict[str, str]] = {}
    for t in tasks:
        item, up = t, owner[t]
        while True:
            item_of.setdefault(up or "", {})[t] = item
            if up is None:
                break
            item, up = up, parent[up]
    edges = [(t, d) for t in sorted(tasks) for d in tasks[t].get("downstream_task_ids", ())
             if d in tasks]
    boxes = {t: Box(t, NODE_W, NODE_H) for t in tasks}
    root = place(None, kids, boxes, item_of, edges)
    nodes: list[dict[str, Any]] = []
    groups: list[dict[str, Any]] = []
    _flatten(root, 0, 0, tasks, nodes, groups)
    return {"nodes": nodes, "groups": groups, "edges": [list(e) for e in edges],
            "width": round(root.w), "height": round(root.h)}


@router.get("/dags/{dag_id}/graph")
def graph(dag_id: Annotated[str, Path()], state: State, _: Allow("dag", "read")) -> JSON:
    with state.db.read() as s:
        dag = serialized(s, dag_id)
    return JSON(layout(dag))
