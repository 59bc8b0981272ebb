"""The database side of the task runtime's cross-DAG calls (see dags/runtime_runs.py).

Runs are created with `store.manual_runs.create_manual_run`, the function behind
`POST /dags/{dag_id}/dagRuns`, so a run triggered by a task is the row an API trigger
makes. After a write the scheduler is woken (datagram, plus NOTIFY on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, text
from sqlalchemy.orm import Session

from crosswind.dags.exceptions import DagNotFound, DagRunAlreadyExists
from crosswind.dags.runtime_runs import RunRef, as_utc_instant
from crosswind.db.engine import Database
from crosswind.errors import AlreadyExists, NotFound
from crosswind.models import DagRun, SerializedDag, TaskInstance
from crosswind.scheduling import wakeup
from crosswind.store import dag_runs
from crosswind.store import task_instances as ti_store
from crosswind.store.manual_runs import create_manual_run


def _ref(run: DagRun) -> RunRef:
    return RunRef(run.dag_id, run.run_id, run.logical_date, run.state, dict(run.conf or {}),
                  run.run_type, bool(run.external_trigger))


def _state_in(states: Collection[str | None]) -> Any:
    """state IN (...), where None stands for a task instance not yet scheduled."""
    named = sorted(s for s in states if s is not None)
    cond = TaskInstance.state.in_(named)
    return or_(cond, TaskInstance.state.is_(None)) if None in states else cond


class DbRunsMixin:
    """Mixed into DbBackend, which provides `db` and `wake_address`."""

    db: Database
    wake_address: str | None

    def _wake(self, s: Session) -> None:
        if s.get_bind().dialect.name == "postgresql":
            s.execute(text(f"NOTIFY {wakeup.CHANNEL}"))

    def _woken(self) -> None:
        if self.wake_address:
            wakeup.send(self.wake_address)

    def trigger_dag_run(
        self, dag_id: str, *, run_id: str | None, logical_date: datetime,
        conf: dict[str, Any] | None,
    ) -> RunRef:
        when = as_utc_instant(logical_date)

        def create(s: Session) -> RunRef:
            run = create_manual_run(s, dag_id, logical_date=when, run_id=run_id, conf=conf)
            self._wake(s)
            return _ref(run)

        try:
            with self.db.write() as s:
                ref = create(s)
        except NotFound as exc:
            raise DagNotFound(f"Dag id {dag_id} not found") from exc
        except AlreadyExists as exc:
            with self.db.read() as s:
                existing = self._clash(s, dag_id, run_id, when)
            if existing is None:  # deleted meanwhile: let the caller try again
                raise
            raise DagRunAlreadyExists(existing, execution_date=when, run_id=run_id) from exc
        self._woken()
        return ref

    @staticmethod
    def _clash(s: Session, dag_id: str, run_id: str | None, when: datetime) -> RunRef | None:
        match = DagRun.logical_date == when
        if run_id:
            match = or_(match, DagRun.run_id == run_id)
        run = s.scalars(select(DagRun).where(DagRun.dag_id == dag_id, match)).first()
        return None if run is None else _ref(run)

    def clear_dag_run(self, dag_id: str, run_id: str) -> None:
        """Airflow's dag.clear() over the run's logical date: every task instance reset,
        the run back to `queued`."""
        def clear(s: Session) -> None:
            run = dag_runs.get_run(s, dag_id, run_id)
            pairs = [(ti, run) for ti in dag_runs.task_instances(s, run)]
            ti_store.clear(s, dag_runs.serialized(s, dag_id), pairs, run_state="queued")
            self._wake(s)

        with self.db.write() as s:
            clear(s)
        self._woken()

    def get_dag_run(self, dag_id: str, run_id: str) -> RunRef | None:
        def read(s: Session) -> RunRef | None:
            run = s.scalars(select(DagRun).where(
                DagRun.dag_id == dag_id, DagRun.run_id == run_id)).first()
            return None if run is None else _ref(run)

        with self.db.read() as s:
            return read(s)

    def count_dag_runs(
        self, dag_id: str, logical_dates: Collection[datetime], states: Collection[str]
    ) -> int:
        dates = sorted({as_utc_instant(d) for d in logical_dates})
        stmt = select(func.count()).select_from(DagRun).where(
            DagRun.dag_id == dag_id, DagRun.state.in_(list(states)),
            DagRun.logical_date.in_(dates))
        with self.db.read() as s:
            return int(s.scalar(stmt) or 0)

    def count_task_instances(
        self, dag_id: str, task_ids: Collection[str], logical_dates: Collection[datetime],
        states: Collection[str],
    ) -> int:
        dates = sorted({as_utc_instant(d) for d in logical_dates})
        stmt = (
            select(func.count()).select_from(TaskInstance)
            .join(DagRun, (DagRun.dag_id == TaskInstance.dag_id)
                  & (DagRun.run_id == TaskInstance.run_id))
            .where(TaskInstance.dag_id == dag_id, TaskInstance.task_id.in_(list(task_ids)),
                   _state_in(states), DagRun.logical_date.in_(dates))
        )
        with self.db.read() as s:
            return int(s.scalar(stmt) or 0)

    def get_dag_structure(self, dag_id: str) -> dict[str, Any] | None:
        with self.db.read() as s:
            data = s.scalar(select(SerializedDag.data).where(SerializedDag.dag_id == dag_id))
        if data is None:
            return None
        return {
            "task_ids": [t["task_id"] for t in data.get("tasks", [])],
            "task_groups": data.get("task_group_members") or {},
            "fileloc": data.get("fileloc") or "",
        }
