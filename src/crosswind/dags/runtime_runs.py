"""Cross-DAG reads and writes a running task may make: trigger a run of another DAG, clear
it, read its state, count runs / task instances in given states at given logical dates.

`RunRef` is what the backend hands back about a run. `MemoryRuns` is the in-memory side
MemoryBackend (DAG.test()) inherits: runs live in a dict, nothing executes them, so a
test sets their state (`set_run_state`) or task-instance states (`set_ti_state`) itself.
The database side is `crosswind.execution.runtime_runs_db`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crosswind.dags.exceptions import DagNotFound, DagRunAlreadyExists


@dataclass
class RunRef:
    """One DAG run as the runtime backend reports it (logical_date aware UTC)."""

    dag_id: str
    run_id: str
    logical_date: datetime
    state: str
    conf: dict[str, Any] = field(default_factory=dict)
    run_type: str = "manual"
    external_trigger: bool = True


def as_utc_instant(value: datetime) -> datetime:
    """A stdlib aware UTC datetime for any aware datetime (pendulum's included): the form
    the database stores, so equality against stored logical dates holds."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} refused: use an aware datetime")
    u = value.astimezone(UTC)
    return datetime(u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond, tzinfo=UTC)


class MemoryRuns:
    """In-memory runs of other DAGs. `dag_structures` maps dag_id -> {"task_ids": [...],
    "task_groups": {group_id: [task_ids]}}; when it is None every dag_id is taken to exist
    (DAG.test() has no DAG bag to ask)."""

    def __init__(self, dag_structures: dict[str, dict[str, Any]] | None = None) -> None:
        self.dag_structures = dag_structures
        self.runs: dict[tuple[str, str], RunRef] = {}
        self.ti_states: dict[tuple[str, str, str], str] = {}

    def _known(self, dag_id: str) -> None:
        if self.dag_structures is not None and dag_id not in self.dag_structures:
            raise DagNotFound(f"Dag id {dag_id} not found in DagModel")

    def trigger_dag_run(
        self, dag_id: str, *, run_id: str | None, logical_date: datetime,
        conf: dict[str, Any] | None,
    ) -> RunRef:
        self._known(dag_id)
        when = as_utc_instant(logical_date)
        run_id = run_id or f"manual__{when.isoformat()}"
        for run in self.runs.values():
            if run.dag_id == dag_id and (run.run_id == run_id or run.logical_date == when):
                raise DagRunAlreadyExists(run, execution_date=when, run_id=run_id)
        run = RunRef(dag_id, run_id, when, "queued", dict(conf or {}))
        self.runs[(dag_id, run_id)] = run
        return run

    def clear_dag_run(self, dag_id: str, run_id: str) -> None:
        run = self.runs[(dag_id, run_id)]
        run.state = "queued"
        for key in [k for k in self.ti_states if k[:2] == (dag_id, run_id)]:
            del self.ti_states[key]

    def get_dag_run(self, dag_id: str, run_id: str) -> RunRef | None:
        return self.runs.get((dag_id, run_id))

    def set_run_state(self, dag_id: str, run_id: str, state: str) -> None:
        self.runs[(dag_id, run_id)].state = state

    def set_ti_state(self, dag_id: str, run_id: str, task_id: str, state: str) -> None:
        self.ti_states[(dag_id, run_id, task_id)] = state

    def _runs_at(self, dag_id: str, logical_dates: Collection[datetime]) -> list[RunRef]:
        wanted = {as_utc_instant(d) for d in logical_dates}
        return [r for r in self.runs.values() if r.dag_id == dag_id and r.logical_date in wanted]

    def count_dag_runs(
        self, dag_id: str, logical_dates: Collection[datetime], states: Collection[str]
    ) -> int:
        return sum(1 for r in self._runs_at(dag_id, logical_dates) if r.state in states)

    def count_task_instances(
        self, dag_id: str, task_ids: Collection[str], logical_dates: Collection[datetime],
        states: Collection[str],
    ) -> int:
        return sum(
            1
            for r in self._runs_at(dag_id, logical_dates)
            for t in task_ids
            if self.ti_states.get((dag_id, r.run_id, t)) in states
        )

    def get_dag_structure(self, dag_id: str) -> dict[str, Any] | None:
        if self.dag_structures is None:
            return {"task_ids": None, "task_groups": None}
        return self.dag_structures.get(dag_id)
