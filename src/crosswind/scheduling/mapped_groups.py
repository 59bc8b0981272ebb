"""Tasks of mapped task groups in the scheduler, and the per-index decisions of every
expanded task.

A task of a mapped task group (serialized `mapped_group`, `expand_input` = the group's)
starts, like a mapped task, as one TI at map_index -1. `expand_waiting()` expands it as
soon as what lies outside its group allows (its upstreams outside the group by its trigger
rule, and the tasks the group's expand input reads finished): into n indexes with no
state, n read as for a mapped task; n = 0 skips it, an unusable upstream value makes it
upstream_failed. Its indexes are then decided one by one (`RunView.verdict`): index i
weighs index i of its upstreams in the same group and every index of the others, as
Airflow 2.11's relevant upstream map indexes. A task of the group that is still waiting is
kept out of `decide()` (it would weigh every index of its group's upstreams).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswind.dags.setup_teardown_graph import task_verdict
from crosswind.models import TaskInstance
from crosswind.scheduling import expansion
from crosswind.scheduling.dag_cache import DagInfo
from crosswind.scheduling.task_instances import TIRow
from crosswind.states import TI_FINISHED

TI = TaskInstance


class RunView:
    """One run's TI states as the decisions read them: TIs at map_index -1 (`tis`) and
    the indexes of expanded tasks (`indexes`, each list in map_index order)."""

    def __init__(self, info: DagInfo, tis: dict[str, TIRow],
                 indexes: dict[str, list[TIRow]]) -> None:
        self.info, self.tis, self.indexes = info, tis, indexes
        self._states = {tid: ti.state for tid, ti in tis.items()}
        # Removed indexes (a clear made the list shorter) are no upstreams any more.
        self._expanded = {tid: [r.state for r in rows if r.state != "removed"]
                          for tid, rows in indexes.items()}
        self._cache: dict[str, str | None] = {}

    def inside(self, task_id: str) -> set[str]:
        """Direct upstreams of task_id in its own mapped group."""
        task = self.info.tasks.get(task_id) or {}
        group = task.get("mapped_group")
        if not group:
            return set()
        return {u for u in task.get("upstream_task_ids", [])
                if (self.info.tasks.get(u) or {}).get("mapped_group") == group}

    def verdict(self, task_id: str, map_index: int, inside: set[str] | None = None
                ) -> str | None:
        """"run", "skipped", "upstream_failed" or None (wait) for index map_index of
        task_id (-1 with inside=set(): the verdict of what lies outside its group)."""
        inside = self.inside(task_id) if inside is None else inside
        if not inside and task_id in self._cache:
            return self._cache[task_id]
        states = {k: v for k, v in self._states.items() if k not in inside}
        states.update({u: self._state_at(u, map_index) for u in inside})
        expanded = {k: v for k, v in self._expanded.items() if k not in inside}
        verdict = task_verdict(self.info.tasks, task_id, states,
                               self.info.indirect_setups.get(task_id), expanded)
        if not inside:
            self._cache[task_id] = verdict
        return verdict

    def _state_at(self, task_id: str, map_index: int) -> str | None:
        rows = self.indexes.get(task_id)
        if rows is None:
            return self._states.get(task_id)  # not expanded yet (or expanded to nothing)
        if map_index < len(rows) and rows[map_index].map_index == map_index:
            return rows[map_index].state
        found = [r.state for r in rows if r.map_index == map_index]
        return found[0] if found else "removed"


def read_task_ids(spec: dict[str, Any]) -> set[str]:
    """The tasks whose XComs an expand input spec reads."""
    out: set[str] = set()
    for length in (spec.get("lengths") or {}).values():
        todo = [length]
        while todo:
            item = todo.pop()
            if "xcom" in item:
                out.add(item["xcom"])
            todo.extend(item.get("zip") or [])
    return out


def expand_waiting(session: Session, reader: expansion.MapLengthReader, info: DagInfo,
                   tis: dict[str, TIRow], indexes: dict[str, list[TIRow]],
                   groups: dict[tuple[str | None, str | None], list[int]]) -> dict[str, TIRow]:
    """Expand the tasks of mapped groups that can be (their new indexes join `indexes`),
    settle the ones that cannot run (into `groups`, the UPDATEs of the tick); returns the
    ones still waiting, taken out of `tis`."""
    waiting: dict[str, TIRow] = {}
    view: RunView | None = None  # made when first needed: most DAGs have no mapped group
    for tid in info.order:
        task = info.tasks[tid]
        ti = tis.get(tid)
        if not task.get("mapped_group") or ti is None or ti.state is not None:
            continue
        view = view or RunView(info, tis, indexes)
        verdict = view.verdict(tid, -1, inside=set())
        reads = read_task_ids(task.get("expand_input") or {})
        if verdict == "run" and not all(finished(t, tis, indexes) for t in reads):
            verdict = None
        if verdict == "run":
            n = reader.total(task)
            verdict = "upstream_failed" if n is None else "skipped" if n == 0 else "expand"
            if verdict == "expand":
                del tis[tid]
                if expansion.make_indexes(session, ti.id, n, None):  # type: ignore[arg-type]
                    indexes[tid] = index_rows(session, ti)
                continue
        if verdict is None:
            waiting[tid] = tis.pop(tid)
        else:
            groups[(None, verdict)].append(ti.id)
            ti.state = verdict
    return waiting


def finished(task_id: str, tis: dict[str, TIRow], indexes: dict[str, list[TIRow]]) -> bool:
    if task_id in indexes:
        return all(r.state in TI_FINISHED for r in indexes[task_id])
    return task_id not in tis or tis[task_id].state in TI_FINISHED


def index_rows(session: Session, ti: TIRow) -> list[TIRow]:
    """Every index of the task of `ti` (one of them, or its map_index -1 TI just
    expanded), as the database has them: the ids of rows just inserted."""
    first = session.execute(select(TI.dag_id, TI.run_id).where(TI.id == ti.id)).one()
    rows = session.execute(
        select(TI.id, TI.map_index, TI.state, TI.try_number)
        .where(TI.dag_id == first.dag_id, TI.run_id == first.run_id, TI.task_id == ti.task_id,
               TI.map_index >= 0)
        .order_by(TI.map_index)).all()
    return [TIRow(r.id, ti.task_id, r.state, r.try_number, None, r.map_index) for r in rows]
