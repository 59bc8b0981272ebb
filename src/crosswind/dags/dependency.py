"""The `>>` / `<<` operators, shared by everything a DAG author can wire (Airflow's
DependencyMixin): tasks, task groups and XComArgs define set_upstream/set_downstream."""

from __future__ import annotations

from typing import Any, Self


class DependencyMixin:
    def set_upstream(self, other: Any) -> None:
        raise NotImplementedError

    def set_downstream(self, other: Any) -> None:
        raise NotImplementedError

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> Self:
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> Self:
        self.set_downstream(other)
        return self
