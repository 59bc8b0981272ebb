"""The database-backed RuntimeBackend a task process installs: Variable, Connection, XCom
(and the cross-DAG calls of DbRunsMixin).

Variables and connection secrets are decrypted with the Fernet key (`SecretBox`). XCom
pushes are buffered and written in the task's final transaction (one write instead of one
per push); pulls see this try's own pushes first.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select

from crosswind.db.base import utcnow
from crosswind.db.engine import Database
from crosswind.execution.runtime_runs_db import DbRunsMixin
from crosswind.models import TaskReschedule, Variable, XCom
from crosswind.security import SecretBox
from crosswind.store import connections, variables


class DbBackend(DbRunsMixin):
    def __init__(self, db: Database, box: SecretBox, wake_address: str | None = None) -> None:
        self.db = db
        self.box = box
        self.wake_address = wake_address  # woken after cross-DAG writes (DbRunsMixin)
        self.pending: dict[tuple[str, str, str, int, str], Any] = {}

    def get_variable(self, key: str) -> str | None:
        with self.db.read() as s:
            return variables.get_value(s, self.box, key)

    def set_variable(self, key: str, value: str, description: str | None = None) -> None:
        with self.db.write() as s:
            variables.set_value(s, self.box, key, value, description)

    def delete_variable(self, key: str) -> None:
        with self.db.write() as s:
            s.execute(delete(Variable).where(Variable.key == key))

    def get_connection(self, conn_id: str) -> dict[str, Any] | None:
        with self.db.read() as s:
            return connections.get_plain(s, self.box, conn_id)

    def xcom_push(
        self, *, dag_id: str, run_id: str, task_id: str, key: str, value: Any, map_index: int = -1
    ) -> None:
        # Round-trip through JSON now so an unserialisable value fails the push, not the
        # final transaction.
        self.pending[(dag_id, run_id, task_id, map_index, key)] = json.loads(json.dumps(value))

    def xcom_pull(
        self, *, dag_id: str, run_id: str, task_id: str, key: str, map_index: int = -1
    ) -> Any:
        mine = (dag_id, run_id, task_id, map_index, key)
        if mine in self.pending:
            return self.pending[mine]
        with self.db.read() as s:
            return s.scalar(select(XCom.value).where(
                XCom.dag_id == dag_id, XCom.run_id == run_id, XCom.task_id == task_id,
                XCom.map_index == map_index, XCom.key == key))

    def xcom_pull_mapped(self, *, dag_id: str, run_id: str, task_id: str, key: str
                         ) -> list[Any]:
        """Every map index's value (index >= 0) of a mapped task, in map_index order."""
        with self.db.read() as s:
            return list(s.scalars(select(XCom.value).where(
                XCom.dag_id == dag_id, XCom.run_id == run_id, XCom.task_id == task_id,
                XCom.key == key, XCom.map_index >= 0).order_by(XCom.map_index)))

    def dataset_events(self, uri: str | None = None, alias: str | None = None,
                       consumed_by: tuple[str, str] | None = None) -> list[dict[str, Any]]:
        """inlet_events: every event of a dataset (or through an alias), oldest first;
        triggering_dataset_events: those a run consumed (`consumed_by=(dag_id, run_id)`)."""
        from crosswind.store.datasets import inlet_events

        with self.db.read() as s:
            return inlet_events(s, uri=uri, alias=alias, consumed_by=consumed_by)
    def first_reschedule_start(self, *, dag_id: str, run_id: str, task_id: str,
                               map_index: int, try_number: int) -> Any:
        """Start of the first reschedule poke of that try (a reschedule sensor's timeout
        counts from it), or None."""
        t = TaskReschedule
        with self.db.read() as s:
            return s.scalar(
                select(t.start_date).where(t.dag_id == dag_id, t.run_id == run_id,
                                           t.task_id == task_id, t.map_index == map_index,
                                           t.try_number == try_number)
                .order_by(t.id).limit(1))

    def flush(self, conn: Any) -> None:
        """Write buffered pushes in the caller's transaction (replacing same keys); kept
        in memory so a retried transaction writes them again."""
        table = XCom.__table__
        for (dag_id, run_id, task_id, map_index, key), value in self.pending.items():
            conn.execute(table.delete().where(
                table.c.dag_id == dag_id, table.c.run_id == run_id, table.c.task_id == task_id,
                table.c.map_index == map_index, table.c.key == key))
            conn.execute(table.insert().values(
                dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index, key=key,
                value=value, timestamp=utcnow()))
