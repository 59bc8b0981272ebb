"""DAG.test() runs deferrable tasks as Airflow's does: the trigger inline, then the task
resumes with its event in the same try."""

from __future__ import annotations

from pathlib import Path

from crosswind.dags.parser import load_dag_file

DAGS = Path(__file__).parent / "dags"


def test_dag_test_runs_triggers_inline():
    dags = {d.dag_id: d for d in load_dag_file(str(DAGS / "defer_tasks.py"))}
    assert dags["defer_tasks"].test() == {
        "wait": "success", "echo": "success", "at": "success", "after": "success"}
    assert dags["defer_failures"].test() == {"too_slow": "failed", "broken": "failed"}


def test_dag_test_runs_triggers_inside_a_running_event_loop():
    """As in a notebook: dag.test() called while this thread runs an event loop."""
    import asyncio

    async def main():
        test_dag_test_runs_triggers_inline()

    asyncio.run(main())
