"""One pass over the running DAG runs: TI decisions, restarting TIs, dagrun_timeout and
the run state. One aggregate query finds the runs that need a look (a TI to decide, all
TIs finished, a timeout); their TIs are read with one query per DAG and changed with one
guarded UPDATE per (from-state, to-state) group, so a 1,000-task run costs little per tick.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswind.models import DagModel, DagRun, TaskInstance
from crosswind.scheduling import deferral, expansion, map_revision, mapped_groups
from crosswind.scheduling.dag_cache import DagCache, DagInfo
from crosswind.scheduling.task_instances import (
    TIRow,
    deadlocked,
    decide,
    next_retry_deadline,
    run_outcome,
)
from crosswind.states import TI_BUSY, TI_FINISHED, TI_UNFINISHED, RunState
from crosswind.states import TaskState as TS
from crosswind.store import transitions

TI = TaskInstance
log = logging.getLogger(__name__)


@dataclass
class Progress:
    changed: int = 0
    restarted: int = 0
    finished_runs: list[tuple[str, str, str]] = field(default_factory=list)  # dag, run, state
    kills: list[tuple[int, int]] = field(default_factory=list)  # (ti_id, try_number)
    deadline: datetime | None = None

    def wake_at(self, when: datetime | None) -> None:
        if when is not None and (self.deadline is None or when < self.deadline):
            self.deadline = when


# Built once: it runs on every tick.
_RUNNING_RUNS = (
    select(DagRun.id, DagRun.dag_id, DagRun.run_id, DagRun.start_date, DagRun.logical_date)
    .join(DagModel, DagModel.dag_id == DagRun.dag_id)
    .where(DagRun.state == RunState.RUNNING, DagModel.is_paused.is_(False))
)
_RUNNING_RUNS_LOCKED = _RUNNING_RUNS.with_for_update(of=DagRun, skip_locked=True)


def _running_runs(session: Session) -> list:
    pg = session.get_bind().dialect.name == "postgresql"
    return list(session.execute(_RUNNING_RUNS_LOCKED if pg else _RUNNING_RUNS).all())


RunKey = tuple[str, str]


def _load_tis(session: Session, runs: list
              ) -> tuple[dict[RunKey, dict[str, TIRow]], dict[RunKey, dict[str, list[TIRow]]]]:
    """The runs' TIs: unmapped (and not yet expanded) ones by task_id, and the map
    indexes of expanded mapped tasks by task_id (in map_index order)."""
    out: dict[RunKey, dict[str, TIRow]] = defaultdict(dict)
    indexes: dict[RunKey, dict[str, list[TIRow]]] = defaultdict(lambda: defaultdict(list))
    by_dag: dict[str, list[str]] = defaultdict(list)
    for r in runs:
        by_dag[r.dag_id].append(r.run_id)
    for dag_id, run_ids in by_dag.items():
        rows = session.execute(
            select(TI.id, TI.run_id, TI.task_id, TI.state, TI.try_number, TI.next_retry_at,
                   TI.map_index)
            .where(TI.dag_id == dag_id, TI.run_id.in_(run_ids)).order_by(TI.map_index)
        ).all()
        for row in rows:
            ti = TIRow(row.id, row.task_id, row.state, row.try_number, row.next_retry_at,
                       row.map_index)
            if row.map_index < 0:
                out[(dag_id, row.run_id)][row.task_id] = ti
            else:
                indexes[(dag_id, row.run_id)][row.task_id].append(ti)
    return out, indexes


ATTENTION = frozenset({None, TS.UP_FOR_RETRY, TS.UP_FOR_RESCHEDULE, TS.RESTARTING})


def _needing_attention(session: Session, runs: list, infos: dict[str, DagInfo],
                       now: datetime) -> list:
    """Runs with a TI to decide, a finished set of TIs, or a timeout due. A 1,000-task run
    whose TIs are all scheduled/queued/running costs one aggregate query, not 1,000 rows."""
    by_run: dict[tuple[str, str], dict[str | None, int]] = defaultdict(dict)
    dag_ids = {r.dag_id for r in runs}
    run_ids = {r.run_id for r in runs}
    for dag_id, run_id, state, n in session.execute(
        select(TI.dag_id, TI.run_id, TI.state, func.count())
        .where(TI.dag_id.in_(dag_ids), TI.run_id.in_(run_ids))
        .group_by(TI.dag_id, TI.run_id, TI.state)
    ):
        by_run[(dag_id, run_id)][state] = n
    keep = []
    for run in runs:
        counts = by_run.get((run.dag_id, run.run_id), {})
        info = infos.get(run.dag_id)
        timeout = info.dagrun_timeout if info else None
        timed_out = bool(timeout and run.start_date
                         and run.start_date + timedelta(seconds=timeout) <= now)
        all_done = all(state in TI_FINISHED for state in counts)
        if timed_out or all_done or any(state in ATTENTION for state in counts):
            keep.append(run)
        elif timeout and run.start_date:
            keep.append(run)  # cheap enough, and keeps its timeout deadline in view
    return keep


def _past_checker(session: Session, dag_id: str, logical_date: datetime):  # type: ignore[no-untyped-def]
    def past_ok(task_id: str) -> bool:
        prev = session.execute(
            select(TI.state)
            .join(DagRun, (DagRun.dag_id == TI.dag_id) & (DagRun.run_id == TI.run_id))
            .where(TI.dag_id == dag_id, TI.task_id == task_id, DagRun.logical_date < logical_date)
            .order_by(DagRun.logical_date.desc())
            .limit(1)
        ).first()
        return prev is None or prev[0] in (TS.SUCCESS, TS.SKIPPED)

    return past_ok


def _apply(session: Session, groups: dict[tuple[str | None, str], list[int]], now: datetime) -> int:
    changed = 0
    for (old, new), ids in groups.items():
        values: dict = {}
        if old == TS.UP_FOR_RESCHEDULE:  # the same try pokes again (see deferral.py)
            values = deferral.continue_try_values()
        if new in TI_FINISHED:
            values.update(start_date=now, end_date=now, duration=0.0)
        changed += len(transitions.move_tis(session, ids, [old], new, **values))
    return changed


def _timeout_run(session: Session, run, tis: dict[str, TIRow], now: datetime, p: Progress) -> None:  # type: ignore[no-untyped-def]
    """dagrun_timeout: the run fails; its unfinished TIs are skipped (and killed)."""
    unfinished = [ti for ti in tis.values() if ti.state not in TI_FINISHED]
    p.kills += [(ti.id, ti.try_number) for ti in unfinished if ti.state in TI_BUSY]
    if unfinished:
        transitions.move_tis(session, [t.id for t in unfinished], TI_UNFINISHED, TS.SKIPPED,
                             end_date=now)
    _finish_run(session, run, RunState.FAILED, now, p)


def _finish_run(session: Session, run, state: str, now: datetime, p: Progress) -> None:  # type: ignore[no-untyped-def]
    if transitions.move_runs(session, [run.id], [RunState.RUNNING], state, end_date=now,
                             last_scheduling_decision=now):
        p.finished_runs.append((run.dag_id, run.run_id, state))


def _restart(tis: dict[str, TIRow], groups: dict, p: Progress) -> None:
    for ti in tis.values():
        if ti.state == TS.RESTARTING:
            p.kills.append((ti.id, ti.try_number))
            groups[(TS.RESTARTING, None)].append(ti.id)


def process_running_runs(session: Session, cache: DagCache, now: datetime) -> Progress:
    p = Progress()
    runs = _running_runs(session)
    if not runs:
        return p
    infos = cache.get_many(session, {r.dag_id for r in runs})
    runs = _needing_attention(session, runs, infos, now)
    all_tis, all_indexes = _load_tis(session, runs)
    groups: dict[tuple[str | None, str | None], list[int]] = defaultdict(list)
    to_finish: list[tuple[object, str]] = []
    for run in runs:
        info: DagInfo | None = infos.get(run.dag_id)
        tis = all_tis.get((run.dag_id, run.run_id), {})
        indexes = all_indexes.get((run.dag_id, run.run_id), {})
        if info is None:
            continue
        timeout = info.dagrun_timeout
        if timeout and run.start_date and run.start_date + timedelta(seconds=timeout) <= now:
            _timeout_run(session, run, _with_indexes(tis, indexes), now, p)
            continue
        if timeout and run.start_date:
            p.wake_at(run.start_date + timedelta(seconds=timeout))
        _restart(_with_indexes(tis, indexes), groups, p)
        reader = expansion.MapLengthReader(session, info, run.dag_id, run.run_id)
        # Tasks of mapped task groups: expanded here, kept from decide() while waiting.
        waiting = mapped_groups.expand_waiting(session, reader, info, tis, indexes, groups)
        map_revision.revise(session, reader, info, tis, indexes, groups)  # after a clear
        moved = _decide_indexes(info, {**tis, **waiting}, indexes, groups, now)
        changes = decide(info, tis, now, _past_checker(session, run.dag_id, run.logical_date),
                         {**{tid: [r.state for r in rows if r.state != "removed"]
                             for tid, rows in indexes.items()},
                          **{tid: [None] for tid in waiting}})
        for tid, new in changes.items():
            if new == TS.SCHEDULED and info.tasks[tid].get("is_mapped"):
                changes[tid] = expansion.expand(session, reader, info.tasks[tid], tis[tid].id)
                if changes[tid] == TS.SCHEDULED:
                    p.changed += 1
                    continue  # written by expand()
            groups[(tis[tid].state, changes[tid])].append(tis[tid].id)
        p.wake_at(next_retry_deadline(_with_indexes(tis, indexes)))
        states = {tid: changes.get(tid, ti.state) for tid, ti in tis.items()}
        states.update({tid: expansion.summary([r.state for r in rows])
                       for tid, rows in indexes.items()})
        states.update(dict.fromkeys(waiting))
        outcome = run_outcome(info, states) if states else RunState.SUCCESS
        if outcome is None and deadlocked(info, states, bool(changes) or moved):
            log.error("Task deadlock (no runnable tasks); marking run %s of %s failed",
                      run.run_id, run.dag_id)
            outcome = RunState.FAILED
        if outcome is not None and not any(t.state == TS.RESTARTING for t in tis.values()):
            to_finish.append((run, outcome))
    changed, p.restarted = _apply_groups(session, groups, now)
    p.changed += changed
    for run, outcome in to_finish:
        _finish_run(session, run, outcome, now, p)
    return p


def _with_indexes(tis: dict[str, TIRow], indexes: dict[str, list[TIRow]]) -> dict[str, TIRow]:
    """Every TI of the run, map indexes under "task_id[i]" keys."""
    out = dict(tis)
    for tid, rows in indexes.items():
        out.update({f"{tid}[{r.map_index}]": r for r in rows})
    return out


def _decide_indexes(info: DagInfo, tis: dict[str, TIRow], indexes: dict[str, list[TIRow]],
                    groups: dict, now: datetime) -> bool:
    """Per-index moves of expanded tasks (retries, cleared indexes, indexes of mapped
    groups' tasks); True if any."""
    moves = expansion.decide_indexes(indexes, mapped_groups.RunView(info, tis, indexes).verdict,
                                     now)
    for row, new in moves:
        groups[(row.state, new)].append(row.id)
        row.state = new
    return bool(moves)


def _apply_groups(session: Session, groups: dict, now: datetime) -> tuple[int, int]:
    """Returns (all changes, restarting -> none changes)."""
    restarted = 0
    restart_ids = groups.pop((TS.RESTARTING, None), [])
    if restart_ids:
        restarted = len(transitions.move_tis(session, restart_ids, [TS.RESTARTING], None,
                                             end_date=None))
    return restarted + _apply(session, groups, now), restarted
