"""scheduled → queued within every limit, highest priority_weight first.

Limits (Airflow 2): executor open slots (parallelism), pool slots (queued + running
pool_slots never exceed `pools.slots`; -1 = unlimited; a TI whose pool does not exist
waits, as Airflow's scheduler leaves it scheduled), the DAG's max_active_tasks and a
task's max_active_tis_per_dag and max_active_tis_per_dagrun (map indexes of a mapped
task in one run). Queuing increments try_number; the executor gets the items only after
the caller commits.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswind.execution.base import WorkItem
from crosswind.models import DagModel, DagRun, Pool, TaskInstance
from crosswind.scheduling import mapped_inputs
from crosswind.scheduling.dag_cache import DagCache, DagInfo
from crosswind.states import TI_ACTIVE, RunState, TaskState
from crosswind.store import transitions

TI = TaskInstance
ACTIVE = tuple(TI_ACTIVE)
MAX_CANDIDATES = 2048


def _candidates(session: Session, limit: int, full_dags: set[str], full_pools: set[str]
                ) -> list[Any]:
    stmt = (
        select(
            TI.id,
            TI.dag_id,
            TI.run_id,
            TI.task_id,
            TI.map_index,
            TI.pool,
            TI.pool_slots,
            TI.max_tries,
            TI.next_method,  # resuming a deferred task
            TI.next_kwargs,
        )
        .join(DagRun, (DagRun.dag_id == TI.dag_id) & (DagRun.run_id == TI.run_id))
        .join(DagModel, DagModel.dag_id == TI.dag_id)
        .where(TI.state == TaskState.SCHEDULED, DagRun.state == RunState.RUNNING,
               DagModel.is_paused.is_(False))
        .order_by(TI.priority_weight.desc(), DagRun.logical_date, TI.task_id)
        .limit(limit)
    )
    # Tasks that cannot start now are left out in SQL: the candidate list stays short
    # (a 1,000-task run must not cost 1,000 rows per tick).
    if full_dags:
        stmt = stmt.where(TI.dag_id.not_in(full_dags))
    if full_pools:
        stmt = stmt.where(TI.pool.not_in(full_pools))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=TI, skip_locked=True)
    return list(session.execute(stmt).all())


# Built once (constructing a statement costs about as much as running it on SQLite).
_POOLS = select(Pool.pool, Pool.slots).order_by(Pool.pool)
_POOLS_LOCKED = _POOLS.with_for_update()
# Pool slots and TI counts of active TIs in one pass (per pool and DAG).
_ACTIVE_USE = (select(TI.pool, TI.dag_id, func.sum(TI.pool_slots), func.count())
               .where(TI.state.in_(ACTIVE)).group_by(TI.pool, TI.dag_id))


class Limits:
    """Free capacity per pool / DAG / task, read once per tick and spent while picking."""

    def __init__(self, session: Session, open_slots: int) -> None:
        self.open = open_slots
        self.infos: dict[str, DagInfo] = {}
        pg = session.get_bind().dialect.name == "postgresql"
        # Several schedulers on PostgreSQL: pool rows locked until commit serialise the
        # slot accounting (Airflow 2 locks them too); the counts below then see the other
        # scheduler's committed queued TIs.
        pools = dict(session.execute(_POOLS_LOCKED if pg else _POOLS).all())
        used: Counter[str] = Counter()
        self.dag_used: Counter[str] = Counter()
        for pool, dag_id, slots, n in session.execute(_ACTIVE_USE).all():
            used[pool] += int(slots or 0)
            self.dag_used[dag_id] += n
        self.pool_free = {
            p: (None if s < 0 else s - used.get(p, 0)) for p, s in pools.items()
        }
        self._session = session
        self._task_used: Counter[tuple[str, str]] | None = None
        self._run_task_used: Counter[tuple[str, str, str]] | None = None

    @property
    def task_used(self) -> Counter[tuple[str, str]]:
        """Active TIs per task: read only when a candidate has max_active_tis_per_dag."""
        if self._task_used is None:
            self._task_used = Counter({(d, t): n for d, t, n in self._session.execute(
                select(TI.dag_id, TI.task_id, func.count())
                .where(TI.state.in_(ACTIVE)).group_by(TI.dag_id, TI.task_id)).all()})
        return self._task_used

    @property
    def run_task_used(self) -> Counter[tuple[str, str, str]]:
        """Active TIs per task and run (map indexes of one mapped task): read only when a
        candidate has max_active_tis_per_dagrun."""
        if self._run_task_used is None:
            self._run_task_used = Counter({(d, r, t): n for d, r, t, n in self._session.execute(
                select(TI.dag_id, TI.run_id, TI.task_id, func.count())
                .where(TI.state.in_(ACTIVE)).group_by(TI.dag_id, TI.run_id, TI.task_id)).all()})
        return self._run_task_used

    def take(self, c: Any) -> bool:
        info = self.infos.get(c.dag_id)
        if self.open <= 0 or info is None or c.pool not in self.pool_free:
            return False
        free = self.pool_free[c.pool]
        if free is not None and free < c.pool_slots:
            return False
        if self.dag_used[c.dag_id] >= info.max_active_tasks:
            return False
        task = info.tasks.get(c.task_id) or {}
        per_task = task.get("max_active_tis_per_dag")
        if per_task is not None and self.task_used[(c.dag_id, c.task_id)] >= per_task:
            return False
        per_run = task.get("max_active_tis_per_dagrun")
        run_key = (c.dag_id, c.run_id, c.task_id)
        if per_run is not None and self.run_task_used[run_key] >= per_run:
            return False
        self.open -= 1
        if free is not None:
            self.pool_free[c.pool] = free - c.pool_slots
        self.dag_used[c.dag_id] += 1
        if per_task is not None:
            self.task_used[(c.dag_id, c.task_id)] += 1
        if per_run is not None:
            self.run_task_used[run_key] += 1
        return True


def _run_infos(session: Session, keys: set[tuple[str, str]], cached: dict[tuple[str, str], dict]
               ) -> dict[tuple[str, str], dict]:
    """Run data for work items, cached per run (DagCache.runs): a 1,000-task run is read
    once, not once per tick; the scheduler drops the entry when the run finishes."""
    if len(cached) > 1000:
        cached.clear()
    out = {k: cached[k] for k in keys if k in cached}
    by_dag: dict[str, set[str]] = {}
    for d, r in keys - set(out):
        by_dag.setdefault(d, set()).add(r)
    for dag_id, run_ids in by_dag.items():
        for row in session.execute(
            select(
                DagRun.run_id,
                DagRun.logical_date,
                DagRun.data_interval_start,
                DagRun.data_interval_end,
                DagRun.run_type,
                DagRun.external_trigger,
                DagRun.conf,
                DagRun.start_date,
            ).where(DagRun.dag_id == dag_id, DagRun.run_id.in_(run_ids))
        ).all():
            out[(dag_id, row.run_id)] = {
                "logical_date": row.logical_date.isoformat(),
                "data_interval_start": _iso(row.data_interval_start),
                "data_interval_end": _iso(row.data_interval_end),
                "run_type": row.run_type,
                "external_trigger": bool(row.external_trigger),
                "conf": row.conf or {},
                "start_date": _iso(row.start_date),
                **_previous(session, dag_id, row.logical_date),
            }
            cached[(dag_id, row.run_id)] = out[(dag_id, row.run_id)]
    return out


def _previous(session: Session, dag_id: str, logical: datetime) -> dict[str, str | None]:
    """prev_* context values, computed once per run here instead of in every task process."""
    base = select(DagRun.logical_date, DagRun.data_interval_start, DagRun.data_interval_end,
                  DagRun.start_date).where(DagRun.dag_id == dag_id, DagRun.logical_date < logical)
    prev = session.execute(base.order_by(DagRun.logical_date.desc()).limit(1)).first()
    ok = session.execute(base.where(DagRun.state == RunState.SUCCESS)
                         .order_by(DagRun.logical_date.desc()).limit(1)).first()
    return {
        "prev_execution_date": _iso(prev.logical_date) if prev else None,
        "prev_execution_date_success": _iso(ok.logical_date) if ok else None,
        "prev_data_interval_start_success": _iso(ok.data_interval_start) if ok else None,
        "prev_data_interval_end_success": _iso(ok.data_interval_end) if ok else None,
        "prev_start_date_success": _iso(ok.start_date) if ok else None,
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def queue_tis(
    session: Session, cache: DagCache, now: datetime, open_slots: int, job_id: int | None
) -> list[WorkItem]:
    """Queue what fits; returns the work items to send once the transaction commits."""
    cache.more_candidates = False
    if open_slots <= 0:
        return []
    limits = Limits(session, open_slots)
    full_dags = {d for d, n in limits.dag_used.items()
                 if n >= (cache.known(d).max_active_tasks if cache.known(d) else 1 << 30)}
    full_pools = {p for p, free in limits.pool_free.items() if free is not None and free <= 0}
    page = min(MAX_CANDIDATES, open_slots * 4 + 16)
    cands = _candidates(session, page, full_dags, full_pools)
    cache.more_candidates = len(cands) >= page
    if not cands:
        return []
    limits.infos = cache.get_many(session, {c.dag_id for c in cands})
    picked = [c for c in cands if limits.take(c)]
    if not picked:
        return []
    by_id = {c.id: c for c in picked}
    queued = transitions.move_tis(
        session, by_id, [TaskState.SCHEDULED], TaskState.QUEUED,
        try_number=transitions.TIT.c.try_number + 1, queued_when=now, queued_by_job_id=job_id,
        next_retry_at=None)
    runs = _run_infos(session, {(by_id[i].dag_id, by_id[i].run_id) for i, _ in queued},
                      cache.runs)
    items = [_item(by_id[i], n, limits.infos[by_id[i].dag_id], runs) for i, n in queued]
    mapped_inputs.attach(session, items, limits.infos)  # mapped indexes: their items
    return items


def _item(c: Any, try_number: int, info: DagInfo, runs: dict) -> WorkItem:
    task = info.tasks.get(c.task_id, {})
    return WorkItem(
        ti_id=c.id,
        dag_id=c.dag_id,
        run_id=c.run_id,
        task_id=c.task_id,
        map_index=c.map_index,
        try_number=try_number,
        max_tries=c.max_tries,
        fileloc=info.fileloc,
        execution_timeout=task.get("execution_timeout"),
        queue=task.get("queue") or "default",
        run=runs.get((c.dag_id, c.run_id), {}),
        next_method=c.next_method,
        next_kwargs=c.next_kwargs,
        retry={
            k: task.get(k)
            for k in ("retry_delay", "retry_exponential_backoff", "max_retry_delay", "task_id")
        },
    )
