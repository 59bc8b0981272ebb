"""Label: `a >> Label("why") >> b` wires a to b; the label text is not kept."""

from __future__ import annotations

from typing import Any

from crosswind.dags.baseoperator import as_tasks


class Label:
    def __init__(self, label: str) -> None:
        self.label = label
        self._upstream: list[Any] = []
        self._downstream: list[Any] = []

    def add_upstream(self, other: Any) -> None:
        self._upstream.extend(as_tasks(other, "upstream"))
        for task in self._upstream:
            for down in self._downstream:
                task.set_downstream(down)

    def add_downstream(self, other: Any) -> None:
        self._downstream.extend(as_tasks(other, "downstream"))
        for task in self._upstream:
            task.set_downstream(self._downstream)

    # chain() and set_* wire a Label like a task.
    set_upstream = add_upstream
    set_downstream = add_downstream

    def __rrshift__(self, other: Any) -> Label:
        self.add_upstream(other)
        return self

    def __rshift__(self, other: Any) -> Any:
        self.add_downstream(other)
        return other

    def __rlshift__(self, other: Any) -> Label:
        self.add_downstream(other)
        return self

    def __lshift__(self, other: Any) -> Any:
        self.add_upstream(other)
        return other

    def __repr__(self) -> str:
        return f"Label({self.label!r})"
