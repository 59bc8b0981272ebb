"""The scheduler's cache of serialized DAGs, reloaded only when `dag_hash` changes.

Derived data needed on every tick (task dicts by id, topological order, leaves) is
computed once per DAG version instead of once per tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.dags import setup_teardown_graph
from crosswind.models import SerializedDag

DEFAULT_MAX_ACTIVE_RUNS = 16  # Airflow's [core] max_active_runs_per_dag
DEFAULT_MAX_ACTIVE_TASKS = 16  # Airflow's [core] max_active_tasks_per_dag


@dataclass
class DagInfo:
    data: dict[str, Any]
    dag_hash: str
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # topological, ties by task_id
    leaves: frozenset[str] = frozenset()  # the run state's leaves (teardowns aside)
    # task_id -> relevant setups that are not direct upstreams (setup_teardown_graph)
    indirect_setups: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def fileloc(self) -> str:
        return str(self.data.get("fileloc") or "")

    @property
    def max_active_runs(self) -> int:
        return int(self.data.get("max_active_runs") or DEFAULT_MAX_ACTIVE_RUNS)

    @property
    def max_active_tasks(self) -> int:
        return int(self.data.get("max_active_tasks") or DEFAULT_MAX_ACTIVE_TASKS)

    @property
    def dagrun_timeout(self) -> float | None:
        value = self.data.get("dagrun_timeout")
        return float(value) if value else None


def build_info(data: dict[str, Any], dag_hash: str = "") -> DagInfo:
    tasks = {t["task_id"]: t for t in data.get("tasks", [])}
    indegree = {
        tid: len([u for u in t.get("upstream_task_ids", []) if u in tasks])
        for tid, t in tasks.items()
    }
    ready = sorted(tid for tid, n in indegree.items() if n == 0)
    order: list[str] = []
    while ready:
        tid = ready.pop(0)
        order.append(tid)
        for child in sorted(tasks[tid].get("downstream_task_ids", [])):
            if child in indegree:
                indegree[child] -= 1
                if indegree[child] == 0:
                    ready.append(child)
    return DagInfo(data=data, dag_hash=dag_hash, tasks=tasks, order=order,
                   leaves=setup_teardown_graph.run_leaves(tasks),
                   indirect_setups=setup_teardown_graph.indirect_setups(tasks))


class DagCache:
    def __init__(self) -> None:
        self._infos: dict[str, DagInfo] = {}
        # (dag_id, run_id) -> run data of work items (queueing._run_infos)
        self.runs: dict[tuple[str, str], dict[str, Any]] = {}
        self._checked: set[str] = set()
        # Set by queueing: the last candidate query hit its page size (more may be due).
        self.more_candidates = False

    def known(self, dag_id: str) -> DagInfo | None:
        """The cached DagInfo, possibly a version behind (for cheap pre-filtering only)."""
        return self._infos.get(dag_id)

    def get_many(self, session: Session, dag_ids: set[str]) -> dict[str, DagInfo]:
        """Current DagInfo of each dag_id that has a serialized DAG."""
        if not dag_ids:
            return {}
        fresh = {d: self._infos[d] for d in dag_ids if d in self._checked and d in self._infos}
        dag_ids = set(dag_ids) - set(fresh)
        if not dag_ids:
            return fresh
        hashes = dict(
            session.execute(
                select(SerializedDag.dag_id, SerializedDag.dag_hash).where(
                    SerializedDag.dag_id.in_(dag_ids)
                )
            ).all()
        )
        stale = [
            d for d, h in hashes.items() if d not in self._infos or self._infos[d].dag_hash != h
        ]
        if stale:
            rows = session.execute(
                select(SerializedDag.dag_id, SerializedDag.data, SerializedDag.dag_hash).where(
                    SerializedDag.dag_id.in_(stale)
                )
            ).all()
            for dag_id, data, dag_hash in rows:
                self._infos[dag_id] = build_info(data, dag_hash)
        self._checked.update(hashes)
        return {**fresh, **{d: self._infos[d] for d in hashes if d in self._infos}}

    def new_tick(self) -> None:
        """Hashes are re-checked once per tick, not once per use."""
        self._checked.clear()
