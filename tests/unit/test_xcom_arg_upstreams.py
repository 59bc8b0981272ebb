"""An XComArg given to a classic operator's templated field makes its task an upstream, as
Airflow's set_xcomargs_dependencies does (an EmailOperator after a @task that prepares it)."""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator


def test_an_xcom_arg_in_a_templated_field_is_an_upstream_and_is_resolved() -> None:
    with DAG("xarg_up", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
        @task
        def prepare() -> dict[str, str]:
            return {"cmd": "echo prepared"}

        @task
        def broken() -> str:
            raise RuntimeError("no command today")

        made = prepare()
        run = BashOperator(task_id="run", bash_command=made["cmd"])
        after_broken = BashOperator(task_id="after_broken", bash_command=broken())
        explicit = BashOperator(task_id="explicit", bash_command=made["cmd"])
        made >> explicit  # an explicit edge as well is no error
    assert run.upstream_task_ids == {"prepare"}
    assert after_broken.upstream_task_ids == {"broken"}
    assert explicit.upstream_task_ids == {"prepare"}
    states = dag.test()
    assert states == {"prepare": "success", "run": "success", "explicit": "success",
                      "broken": "failed", "after_broken": "upstream_failed"}


def test_dag_test_returns_the_run_as_airflow_does() -> None:
    """Airflow's dag.test() returns a DagRun; tests check `.state` and its task instances."""
    with DAG("as_run", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
        @task
        def numbers() -> list[int]:
            return [1, 2, 3]

        @task
        def double(n: int) -> int:
            return 2 * n

        @task
        def fail(values: list[int]) -> None:
            raise ValueError(f"got {list(values)}")

        fail(double.expand(n=numbers()))
    dr = dag.test(execution_date=datetime(2024, 5, 1))
    assert dr.state == "failed" and dr.dag_id == "as_run"
    assert dr.run_id.startswith("manual__2024-05-01")
    assert {(ti.task_id, ti.map_index, ti.state) for ti in dr.get_task_instances()} == {
        ("numbers", -1, "success"), ("double", 0, "success"), ("double", 1, "success"),
        ("double", 2, "success"), ("fail", -1, "failed")}
    assert [ti.task_id for ti in dr.get_task_instances(state="failed")] == ["fail"]
    assert dr.get_task_instance("double", map_index=2).state == "success"
    assert dr["fail"] == "failed"  # and still the task_id -> state mapping
