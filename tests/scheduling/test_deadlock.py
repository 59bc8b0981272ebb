"""A run that can never progress is failed (Airflow's task deadlock); one blocked by
depends_on_past keeps waiting, as on Airflow 2.11.2 (checked against it)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update

from crosswind.models import DagRun, TaskInstance

DAG = """
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    with DAG("{dag_id}", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=True):
        EmptyOperator(task_id="a", depends_on_past={dop}) >> EmptyOperator(task_id="b")
"""


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def run_states(env, dag_id: str) -> list[str]:
    with env.db.read() as s:
        return list(s.scalars(select(DagRun.state).where(DagRun.dag_id == dag_id)
                              .order_by(DagRun.logical_date)))


def set_ti(env, dag_id: str, task_id: str, state: str, logical: datetime) -> None:
    with env.db.write() as s:
        run_id = s.scalar(select(DagRun.run_id).where(DagRun.dag_id == dag_id,
                                                      DagRun.logical_date == logical))
        s.execute(update(TaskInstance).where(
            TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id,
            TaskInstance.task_id == task_id).values(state=state))


def test_a_run_whose_tasks_can_never_run_is_failed(env):
    env.add_dag("dead", DAG.format(dag_id="dead", dop=False))
    env.scheduler.tick(at(2024, 1, 2, 1))
    assert run_states(env, "dead") == ["running"]
    set_ti(env, "dead", "a", "removed", at(2024, 1, 1))  # b now waits for nothing that ends
    env.scheduler.tick(at(2024, 1, 2, 2))
    assert run_states(env, "dead") == ["failed"]


def test_a_run_blocked_by_depends_on_past_keeps_waiting(env):
    env.add_dag("past", DAG.format(dag_id="past", dop=True))
    env.scheduler.tick(at(2024, 1, 3, 1))
    env.scheduler.tick(at(2024, 1, 3, 1))
    set_ti(env, "past", "a", "failed", at(2024, 1, 1))
    for minute in range(1, 4):
        env.scheduler.tick(at(2024, 1, 3, 1, minute))
    assert run_states(env, "past") == ["failed", "running"]
    with env.db.read() as s:
        second = s.scalars(select(TaskInstance.state).join(
            DagRun, (DagRun.dag_id == TaskInstance.dag_id) & (DagRun.run_id == TaskInstance.run_id))
            .where(DagRun.dag_id == "past", DagRun.logical_date == at(2024, 1, 2))).all()
    assert second == [None, None]
