"""Where Variable, Connection and XCom access goes while a task runs.

Whoever runs a task installs a backend with set_backend(): the engine a database-backed
one, DAG.test() and unit tests the in-memory MemoryBackend below. The running task's
template context is kept here too, for get_current_context().
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol

from crosswind.dags.exceptions import AirflowException
from crosswind.dags.runtime_runs import MemoryRuns, RunRef


class RuntimeBackend(Protocol):
    def get_variable(self, key: str) -> str | None: ...
    def set_variable(self, key: str, value: str, description: str | None = None) -> None: ...
    def delete_variable(self, key: str) -> None: ...
    def get_connection(self, conn_id: str) -> dict[str, Any] | None: ...
    def xcom_push(
        self, *, dag_id: str, run_id: str, task_id: str, key: str, value: Any, map_index: int = -1
    ) -> None: ...
    def xcom_pull(
        self, *, dag_id: str, run_id: str, task_id: str, key: str, map_index: int = -1
    ) -> Any: ...
    def xcom_pull_mapped(
        self, *, dag_id: str, run_id: str, task_id: str, key: str
    ) -> list[Any]: ...
    # Cross-DAG (TriggerDagRunOperator, ExternalTaskSensor): see runtime_runs.py.
    def trigger_dag_run(
        self, dag_id: str, *, run_id: str | None, logical_date: datetime,
        conf: dict[str, Any] | None,
    ) -> RunRef: ...
    def clear_dag_run(self, dag_id: str, run_id: str) -> None: ...
    def get_dag_run(self, dag_id: str, run_id: str) -> RunRef | None: ...
    def count_dag_runs(
        self, dag_id: str, logical_dates: Collection[datetime], states: Collection[str]
    ) -> int: ...
    def count_task_instances(
        self, dag_id: str, task_ids: Collection[str], logical_dates: Collection[datetime],
        states: Collection[str],
    ) -> int: ...
    def get_dag_structure(self, dag_id: str) -> dict[str, Any] | None: ...


_backend: RuntimeBackend | None = None
_context_stack: list[dict[str, Any]] = []


def set_backend(b: RuntimeBackend | None) -> None:
    """Install (or with None remove) the process-wide runtime backend."""
    global _backend
    _backend = b


def get_backend() -> RuntimeBackend:
    if _backend is None:
        raise AirflowException(
            "no runtime backend: Variable/Connection access works only while a task runs"
        )
    return _backend


def push_context(context: dict[str, Any]) -> None:
    _context_stack.append(context)


def pop_context() -> None:
    if _context_stack:
        _context_stack.pop()


def get_current_context() -> dict[str, Any]:
    """The template context of the task running now (Airflow's get_current_context)."""
    if not _context_stack:
        raise AirflowException(
            "Current context was requested but no context was found! "
            "Are you running within an airflow task?"
        )
    return _context_stack[-1]


class MemoryBackend(MemoryRuns):
    """A complete in-memory backend; values round-trip through JSON like the real one."""

    def __init__(
        self,
        variables: dict[str, str] | None = None,
        connections: dict[str, dict[str, Any]] | None = None,
        dag_structures: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(dag_structures)
        self.variables: dict[str, str] = dict(variables or {})
        self.descriptions: dict[str, str | None] = {}
        self.connections: dict[str, dict[str, Any]] = dict(connections or {})
        self.xcoms: dict[tuple[str, str, str, str, int], str] = {}

    def get_variable(self, key: str) -> str | None:
        return self.variables.get(key)

    def set_variable(self, key: str, value: str, description: str | None = None) -> None:
        self.variables[key] = value
        self.descriptions[key] = description

    def delete_variable(self, key: str) -> None:
        self.variables.pop(key, None)

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        found = self.connections.get(conn_id)
        return None if found is None else {"conn_id": conn_id, **copy.deepcopy(found)}

    def xcom_push(
        self, *, dag_id: str, run_id: str, task_id: str, key: str, value: Any, map_index: int = -1
    ) -> None:
        # JSON round trip: a value the database backend could not store fails here too.
        self.xcoms[(dag_id, run_id, task_id, key, map_index)] = json.dumps(value)

    def xcom_pull(
        self, *, dag_id: str, run_id: str, task_id: str, key: str, map_index: int = -1
    ) -> Any:
        raw = self.xcoms.get((dag_id, run_id, task_id, key, map_index))
        return None if raw is None else json.loads(raw)

    def xcom_pull_mapped(self, *, dag_id: str, run_id: str, task_id: str, key: str
                         ) -> list[Any]:
        """Every map index's value (index >= 0), in map_index order."""
        found = sorted((k[4], raw) for k, raw in self.xcoms.items()
                       if k[:4] == (dag_id, run_id, task_id, key) and k[4] >= 0)
        return [json.loads(raw) for _, raw in found]


class OverlayBackend(MemoryBackend):
    """XComs and runs in memory; Variables and Connections from `outer` (the database
    when there is one): for sub-DAGs and `crosswind dags test` / `tasks test`."""

    def __init__(self, outer: RuntimeBackend | None) -> None:
        super().__init__()
        self.outer = outer

    def get_variable(self, key: str) -> str | None:
        return self.outer.get_variable(key) if self.outer else super().get_variable(key)

    def set_variable(self, key: str, value: str, description: str | None = None) -> None:
        if self.outer is None:
            super().set_variable(key, value, description)
        else:
            self.outer.set_variable(key, value, description)

    def delete_variable(self, key: str) -> None:
        if self.outer is None:
            super().delete_variable(key)
        else:
            self.outer.delete_variable(key)

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        return self.outer.get_connection(conn_id) if self.outer else super().get_connection(
            conn_id)
