"""Scheduled runs from timetables, driven by tick(now): data intervals, catchup,
start/end dates, max_active_runs, next_dagrun kept current, paused DAGs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from crosswind.models import DagModel, DagRun

DAILY = """
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    with DAG("{dag_id}", schedule="{schedule}", start_date=datetime(2024, 1, 1),
             catchup={catchup}, max_active_runs={mar}{extra}):
        EmptyOperator(task_id="t")
"""


def daily(dag_id: str, *, schedule: str = "@daily", catchup: bool = True, mar: int = 16,
          extra: str = "") -> str:
    return DAILY.format(dag_id=dag_id, schedule=schedule, catchup=catchup, mar=mar,
                        extra=extra)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def runs(env, dag_id: str) -> list[tuple[datetime, datetime, datetime, str, str]]:
    with env.db.read() as s:
        return [tuple(r) for r in s.execute(
            select(DagRun.logical_date, DagRun.data_interval_start, DagRun.data_interval_end,
                   DagRun.run_type, DagRun.run_id)
            .where(DagRun.dag_id == dag_id).order_by(DagRun.logical_date))]


def test_catchup_creates_each_missed_interval_with_its_data_interval(env):
    env.add_dag("cu", daily("cu"))
    now = at(2024, 1, 4, 12)
    for _ in range(6):
        env.scheduler.tick(now)
    got = runs(env, "cu")
    assert [(r[1], r[2]) for r in got] == [
        (at(2024, 1, 1), at(2024, 1, 2)),
        (at(2024, 1, 2), at(2024, 1, 3)),
        (at(2024, 1, 3), at(2024, 1, 4)),
    ]
    assert all(r[0] == r[1] for r in got)  # logical_date = data interval start
    assert got[0][4] == "scheduled__2024-01-01T00:00:00+00:00"
    assert {r[3] for r in got} == {"scheduled"}


def test_a_run_is_created_when_its_interval_ends_not_before(env):
    env.add_dag("edge", daily("edge", catchup=True))
    env.scheduler.tick(at(2024, 1, 1, 23, 59))
    assert runs(env, "edge") == []
    env.scheduler.tick(at(2024, 1, 2))
    assert [(r[1], r[2]) for r in runs(env, "edge")] == [(at(2024, 1, 1), at(2024, 1, 2))]


def test_no_catchup_creates_only_the_latest_interval(env):
    env.add_dag("nocu", daily("nocu", catchup=False))
    now = at(2024, 3, 10, 6)
    for _ in range(3):
        env.scheduler.tick(now)
    assert [(r[1], r[2]) for r in runs(env, "nocu")] == [(at(2024, 3, 9), at(2024, 3, 10))]


def test_next_dagrun_fields_follow_the_created_runs(env):
    env.add_dag("nxt", daily("nxt", schedule="0 6 * * *"))
    env.scheduler.tick(at(2024, 1, 2, 7))
    with env.db.read() as s:
        dag = s.scalars(select(DagModel).where(DagModel.dag_id == "nxt")).one()
    assert dag.next_dagrun == at(2024, 1, 2, 6)
    assert dag.next_dagrun_data_interval_end == at(2024, 1, 3, 6)
    assert dag.next_dagrun_create_after == at(2024, 1, 3, 6)
    assert [(r[1], r[2]) for r in runs(env, "nxt")] == [(at(2024, 1, 1, 6), at(2024, 1, 2, 6))]


def test_max_active_runs_holds_back_new_runs_until_one_finishes(env):
    env.add_dag("mar", daily("mar", mar=2))
    now = at(2024, 1, 10)
    for _ in range(5):
        env.scheduler.tick(now)
    assert len(runs(env, "mar")) == 2
    with env.db.write() as s:
        s.execute(update(DagRun).where(DagRun.dag_id == "mar").values(state="success"))
    for _ in range(5):  # like Airflow, at most one new run per DAG per tick
        env.scheduler.tick(now)
    assert len(runs(env, "mar")) == 4


def test_paused_dag_gets_no_runs_and_its_queued_runs_wait(env):
    env.add_dag("paused", daily("paused"), unpause=False)
    env.scheduler.tick(at(2024, 1, 5))
    assert runs(env, "paused") == []


def test_end_date_stops_scheduling(env):
    env.add_dag("ended", daily("ended", extra=", end_date=datetime(2024, 1, 2)"))
    for _ in range(5):
        env.scheduler.tick(at(2024, 2, 1))
    assert [(r[1]) for r in runs(env, "ended")] == [at(2024, 1, 1), at(2024, 1, 2)]


def test_timedelta_and_once_schedules(env):
    env.add_dag("hourly", """
        from datetime import datetime, timedelta
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("hourly", schedule=timedelta(hours=6), start_date=datetime(2024, 1, 1),
                 catchup=True):
            EmptyOperator(task_id="t")
    """)
    env.add_dag("once", daily("once", schedule="@once"))
    for _ in range(6):
        env.scheduler.tick(at(2024, 1, 1, 13))
    assert [(r[1], r[2]) for r in runs(env, "hourly")] == [
        (at(2024, 1, 1, 0), at(2024, 1, 1, 6)), (at(2024, 1, 1, 6), at(2024, 1, 1, 12))]
    assert [(r[1], r[2]) for r in runs(env, "once")] == [(at(2024, 1, 1), at(2024, 1, 1))]


def test_queued_runs_start_within_max_active_runs(env):
    env.add_dag("start", daily("start", mar=1))
    now = at(2024, 1, 5)
    env.scheduler.tick(now)
    with env.db.read() as s:
        states = sorted(s.scalars(select(DagRun.state).where(DagRun.dag_id == "start")))
    assert states == ["running"]
