"""A cleared mapped task is expanded again: the list it maps over may have changed length
(its upstream was cleared and ran again). When an expanded task (a mapped task or a task
of a mapped group) has an index to decide and what its expand input reads is finished,
its length is read again, as Airflow's revision of map indexes: indexes past the new
length become `removed`, missing ones are added (no state, decided like cleared ones),
and a removed index back within the length is reset. Removed indexes are left out of the
decisions of downstream tasks (RunView) and of the run's outcome.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from crosswind.models import XCom
from crosswind.scheduling import expansion
from crosswind.scheduling.dag_cache import DagInfo
from crosswind.scheduling.mapped_groups import finished, index_rows, read_task_ids
from crosswind.scheduling.task_instances import TIRow


def revise(session: Session, reader: expansion.MapLengthReader, info: DagInfo,
           tis: dict[str, TIRow], indexes: dict[str, list[TIRow]],
           groups: dict[tuple[str | None, str | None], list[int]]) -> None:
    for tid, rows in list(indexes.items()):
        task = info.tasks.get(tid) or {}
        if not expansion.expands(task) or not any(r.state is None for r in rows):
            continue
        reads = read_task_ids(task.get("expand_input") or {})
        if not reads or not all(finished(t, tis, indexes) for t in reads):
            continue
        n = reader.total(task)
        if n is None:
            continue
        if any(r.map_index >= n and r.state != "removed" for r in rows):
            # Their XComs are no part of the task's values any more (a reduce reads all).
            session.execute(delete(XCom).where(
                XCom.task_id == tid, XCom.map_index >= n,
                XCom.dag_id == reader.dag_id, XCom.run_id == reader.run_id)
                .execution_options(synchronize_session=False))
        for row in rows:
            if row.map_index >= n and row.state != "removed":
                groups[(row.state, "removed")].append(row.id)
                row.state = "removed"
            elif row.map_index < n and row.state == "removed":
                groups[("removed", None)].append(row.id)
                row.state = None
        missing = sorted(set(range(n)) - {r.map_index for r in rows})
        if missing:
            expansion.add_indexes(session, rows[0].id, missing, None)
            known = {r.id: r.state for r in rows}  # with this tick's changes, not written yet
            indexes[tid] = index_rows(session, rows[0])
            for row in indexes[tid]:
                row.state = known.get(row.id, row.state)
