"""What `dag.test()` returns: the task states (a dict, task_id -> state, as Crosswind always
gave) that also answers like the DagRun Airflow's dag.test() returns, so tests written
for Airflow (`dr = dag.test(); assert dr.state == "success"`) run unchanged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class LocalTaskInstance:
    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    state: str


class LocalDagRun(dict):  # type: ignore[type-arg]
    def __init__(self, dag_id: str, run_id: str, logical_date: datetime | None, state: str,
                 states: dict[str, str], mapped: dict[str, list[str]]) -> None:
        super().__init__(states)
        self.dag_id, self.run_id, self.state = dag_id, run_id, state
        self.logical_date = self.execution_date = logical_date
        self.run_type = "manual"
        self._mapped = mapped

    def get_task_instances(self, state: Any = None) -> list[LocalTaskInstance]:
        """One per task (one per map index of a mapped task), as DagRun.get_task_instances."""
        out = []
        for task_id, task_state in self.items():
            indexes = self._mapped.get(task_id)
            pairs = list(enumerate(indexes)) if indexes else [(-1, task_state)]
            out += [LocalTaskInstance(self.dag_id, self.run_id, task_id, i, s) for i, s in pairs]
        if state is not None:
            wanted = {state} if isinstance(state, str) else set(state)
            out = [ti for ti in out if ti.state in wanted]
        return out

    def get_task_instance(self, task_id: str, map_index: int = -1) -> LocalTaskInstance | None:
        return next((ti for ti in self.get_task_instances()
                     if ti.task_id == task_id and ti.map_index == map_index), None)
