"""Queueing limits through tick(now): pool slots, max_active_tasks, parallelism, priority,
a missing pool, and run/TI state transitions driven by TI outcomes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from crosswind.models import DagRun, Pool, TaskInstance
from crosswind.store.dag_runs import create_run, serialized

NOW = datetime(2024, 6, 1, tzinfo=UTC)

FANOUT = """
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1){dag_args}):
        for i in range({n}):
            EmptyOperator(task_id=f"t{{i}}", priority_weight=i, {task_args})
"""


def fanout(dag_id, n, dag_args="", task_args=""):
    return FANOUT.format(dag_id=dag_id, n=n, dag_args=dag_args, task_args=task_args)


def trigger(env, dag_id: str, when: datetime = NOW) -> str:
    with env.db.write() as s:
        return create_run(s, serialized(s, dag_id), logical_date=when, data_interval=None,
                          run_type="manual").run_id


def states(env, dag_id: str) -> dict[str, str | None]:
    with env.db.read() as s:
        return dict(s.execute(select(TaskInstance.task_id, TaskInstance.state)
                              .where(TaskInstance.dag_id == dag_id)).all())


def add_pool(env, name: str, slots: int) -> None:
    with env.db.write() as s:
        s.add(Pool(pool=name, slots=slots))


def test_pool_slots_are_never_exceeded_and_priority_decides(env):
    add_pool(env, "two", 2)
    env.add_dag("pooled", fanout("pooled", 5, task_args="pool='two'"))
    trigger(env, "pooled")
    report = env.scheduler.tick(NOW)
    assert sorted(i.task_id for i in report.queued) == ["t3", "t4"]  # highest weights
    env.scheduler.tick(NOW)
    assert sum(1 for s in states(env, "pooled").values() if s == "queued") == 2


def test_pool_slots_count_task_pool_slots(env):
    add_pool(env, "three", 3)
    env.add_dag("wide", fanout("wide", 3, task_args="pool='three', pool_slots=2"))
    trigger(env, "wide")
    assert len(env.scheduler.tick(NOW).queued) == 1


def test_missing_pool_waits_scheduled(env):
    env.add_dag("nopool", fanout("nopool", 1, task_args="pool='nope'"))
    trigger(env, "nopool")
    env.scheduler.tick(NOW)
    assert states(env, "nopool") == {"t0": "scheduled"}


def test_max_active_tasks_per_dag(env):
    env.add_dag("mat", fanout("mat", 6, dag_args=", max_active_tasks=4"))
    trigger(env, "mat")
    trigger(env, "mat", NOW + timedelta(hours=1))
    report = env.scheduler.tick(NOW)
    assert len(report.queued) == 4


def test_queueing_increments_try_number_and_fills_the_work_item(env):
    env.add_dag("one", fanout("one", 1))
    run_id = trigger(env, "one")
    [item] = env.scheduler.tick(NOW).queued
    assert (item.try_number, item.run_id, item.task_id) == (1, run_id, "t0")
    assert item.run["logical_date"] == NOW.isoformat()
    assert item.fileloc.endswith("one.py")


def test_paused_dag_run_stays_queued(env):
    env.add_dag("pz", fanout("pz", 1), unpause=False)
    trigger(env, "pz")
    env.scheduler.tick(NOW)
    with env.db.read() as s:
        assert s.scalar(select(DagRun.state).where(DagRun.dag_id == "pz")) == "queued"
    assert states(env, "pz") == {"t0": None}


def test_outcomes_drive_downstream_and_run_state(env):
    env.add_dag("chain", """
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("chain", schedule=None, start_date=datetime(2024, 1, 1)):
            EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    """)
    trigger(env, "chain")
    env.scheduler.tick(NOW)
    assert states(env, "chain") == {"a": "queued", "b": None}
    with env.db.write() as s:
        s.execute(update(TaskInstance).where(TaskInstance.task_id == "a",
                                             TaskInstance.dag_id == "chain")
                  .values(state="failed"))
    report = env.scheduler.tick(NOW)
    assert states(env, "chain") == {"a": "failed", "b": "upstream_failed"}
    assert report.finished_runs[0][2] == "failed"


def test_dagrun_timeout_fails_the_run_and_skips_unfinished(env):
    source = fanout("slow", 1, dag_args=", dagrun_timeout=timedelta(seconds=60)")
    env.add_dag("slow", source.replace("import datetime", "import datetime, timedelta"))
    trigger(env, "slow")
    report = env.scheduler.tick(NOW)
    [item] = report.queued
    assert env.scheduler.tick(NOW + timedelta(seconds=59)).finished_runs == []
    report = env.scheduler.tick(NOW + timedelta(seconds=61))
    assert report.finished_runs == [("slow", item.run_id, "failed")]
    assert report.killed == [(item.ti_id, 1)]
    assert states(env, "slow") == {"t0": "skipped"}


def test_restarting_ti_is_killed_then_reset(env):
    env.add_dag("rs", fanout("rs", 1))
    trigger(env, "rs")
    [item] = env.scheduler.tick(NOW).queued
    with env.db.write() as s:
        s.execute(update(TaskInstance).where(TaskInstance.id == item.ti_id)
                  .values(state="restarting"))
    report = env.scheduler.tick(NOW)
    assert report.killed == [(item.ti_id, 1)]
    assert states(env, "rs") == {"t0": None}
    # the reset TI is scheduled and queued again, with the next try number
    report = env.scheduler.tick(NOW)
    assert [(i.ti_id, i.try_number) for i in report.queued] == [(item.ti_id, 2)]
