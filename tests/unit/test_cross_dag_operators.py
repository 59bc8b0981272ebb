"""Cross-DAG operators against the in-memory runtime backend (DAG.test()): what they ask
the backend, how they decide, and their argument checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crosswind import DAG
from crosswind.dags.exceptions import AirflowException
from crosswind.dags.operators.external_task import ExternalTaskMarker, ExternalTaskSensor
from crosswind.dags.operators.latest_only import LatestOnlyOperator
from crosswind.dags.operators.trigger_dagrun import TriggerDagRunOperator
from crosswind.dags.runtime import MemoryBackend
from crosswind.dags.serialize import serialize_dag
from crosswind.dags.task_group import TaskGroup
from crosswind.operators import EmptyOperator

WHEN = datetime(2024, 4, 2, 3, tzinfo=UTC)
START = datetime(2024, 1, 1, tzinfo=UTC)


def one_task_dag(make) -> DAG:
    with DAG("probe", schedule=None, start_date=START) as dag:
        make()
    return dag


def test_trigger_creates_a_queued_manual_run_and_pushes_its_ids() -> None:
    backend = MemoryBackend(dag_structures={"target": {}})
    dag = one_task_dag(lambda: TriggerDagRunOperator(
        task_id="t", trigger_dag_id="target", conf={"ds": "{{ ds }}"},
        logical_date="{{ logical_date }}"))
    assert dag.test(logical_date=WHEN, backend=backend) == {"t": "success"}
    run = backend.runs[("target", f"manual__{WHEN.isoformat()}")]
    assert (run.state, run.conf, run.logical_date) == ("queued", {"ds": "2024-04-02"}, WHEN)
    pushed = {k[3]: v for k, v in backend.xcoms.items() if k[2] == "t"}
    assert pushed["trigger_run_id"] == f'"manual__{WHEN.isoformat()}"'
    assert pushed["trigger_logical_date_iso"] == f'"{WHEN.isoformat()}"'


@pytest.mark.parametrize(("kwargs", "state"), [
    ({}, "failed"),  # DagRunAlreadyExists
    ({"skip_when_already_exists": True}, "skipped"),
    ({"reset_dag_run": True}, "success"),
])
def test_trigger_of_an_existing_run(kwargs, state) -> None:
    backend = MemoryBackend(dag_structures={"target": {}})
    existing = backend.trigger_dag_run("target", run_id="r1", logical_date=WHEN, conf=None)
    backend.set_run_state("target", "r1", "success")
    dag = one_task_dag(lambda: TriggerDagRunOperator(
        task_id="t", trigger_dag_id="target", trigger_run_id="r1", **kwargs))
    assert dag.test(logical_date=WHEN, backend=backend) == {"t": state}
    assert existing.state == ("queued" if kwargs.get("reset_dag_run") else "success")


def test_trigger_of_an_unknown_dag_fails_and_bad_arguments_are_refused() -> None:
    backend = MemoryBackend(dag_structures={})
    dag = one_task_dag(lambda: TriggerDagRunOperator(task_id="t", trigger_dag_id="nope"))
    assert dag.test(backend=backend) == {"t": "failed"}
    with pytest.raises(TypeError, match="logical_date"):
        TriggerDagRunOperator(task_id="x", trigger_dag_id="a", logical_date=5)
    with pytest.raises(ValueError, match="DagRunState"):
        TriggerDagRunOperator(task_id="x", trigger_dag_id="a", allowed_states=["done"])


def _sensor_dag(**kwargs) -> DAG:
    return one_task_dag(lambda: ExternalTaskSensor(
        task_id="s", external_dag_id="other", poke_interval=0, timeout=0, **kwargs))


def _other_run(backend: MemoryBackend, when: datetime, states: dict[str, str]) -> None:
    run = backend.trigger_dag_run("other", run_id=f"r{when.isoformat()}", logical_date=when,
                                  conf=None)
    for task_id, state in states.items():
        backend.set_ti_state("other", run.run_id, task_id, state)


@pytest.mark.parametrize(("states", "kwargs", "outcome"), [
    ({"a": "success"}, {"external_task_id": "a"}, "success"),
    ({"a": "running"}, {"external_task_id": "a"}, "failed"),  # times out at once
    ({"a": "failed"}, {"external_task_id": "a", "failed_states": ["failed"]}, "failed"),
    ({"a": "failed"}, {"external_task_id": "a", "failed_states": ["failed"],
                       "soft_fail": True}, "skipped"),
    ({"a": "skipped"}, {"external_task_id": "a", "skipped_states": ["skipped"]}, "skipped"),
    ({"a": "success", "b": "running"}, {"external_task_ids": ["a", "b"]}, "failed"),
    ({"a": "success", "b": "success"}, {"external_task_ids": ["a", "b"]}, "success"),
    ({"g.x": "success", "g.y": "success"}, {"external_task_group_id": "g"}, "success"),
    ({"g.x": "success", "g.y": "queued"}, {"external_task_group_id": "g"}, "failed"),
])
def test_sensor_decisions(states, kwargs, outcome) -> None:
    backend = MemoryBackend(dag_structures={
        "other": {"task_ids": ["a", "b", "g.x", "g.y"], "task_groups": {"g": ["g.x", "g.y"]}}})
    _other_run(backend, WHEN, states)
    assert _sensor_dag(**kwargs).test(logical_date=WHEN, backend=backend) == {"s": outcome}


def test_sensor_on_a_whole_run_and_shifted_dates() -> None:
    backend = MemoryBackend()
    _other_run(backend, WHEN - timedelta(days=1), {})
    backend.set_run_state("other", f"r{(WHEN - timedelta(days=1)).isoformat()}", "success")
    assert _sensor_dag().test(logical_date=WHEN, backend=backend) == {"s": "failed"}
    delta = _sensor_dag(execution_delta=timedelta(days=1))
    assert delta.test(logical_date=WHEN, backend=backend) == {"s": "success"}

    def yesterday(logical, ds):  # gets the context keys it names
        assert ds == "2024-04-02"
        return [logical - timedelta(days=1)]

    by_fn = _sensor_dag(execution_date_fn=yesterday)
    assert by_fn.test(logical_date=WHEN, backend=backend) == {"s": "success"}


def test_sensor_check_existence_and_argument_checks() -> None:
    backend = MemoryBackend(dag_structures={"other": {"task_ids": ["a"], "task_groups": {}}})
    _other_run(backend, WHEN, {"a": "success"})
    missing = _sensor_dag(external_task_id="zz", check_existence=True)
    assert missing.test(logical_date=WHEN, backend=backend) == {"s": "failed"}
    no_dag = one_task_dag(lambda: ExternalTaskSensor(
        task_id="s", external_dag_id="ghost", check_existence=True, timeout=0))
    assert no_dag.test(logical_date=WHEN, backend=backend) == {"s": "failed"}
    with pytest.raises(ValueError, match="Only one of `external_task_id`"):
        ExternalTaskSensor(task_id="x", external_dag_id="o", external_task_id="a",
                           external_task_ids=["b"])
    with pytest.raises(AirflowException, match="Duplicate values"):
        ExternalTaskSensor(task_id="x", external_dag_id="o", allowed_states=["success"],
                           failed_states=["success"])
    with pytest.raises(ValueError, match="Valid values"):
        ExternalTaskSensor(task_id="x", external_dag_id="o", allowed_states=["upstream_failed"])
    with pytest.raises(ValueError, match="execution_delta"):
        ExternalTaskSensor(task_id="x", external_dag_id="o", execution_delta=timedelta(1),
                           execution_date_fn=lambda d: d)


def test_marker_serializes_its_target_and_the_dag_its_groups() -> None:
    with DAG("m", schedule=None, start_date=START) as dag:
        with TaskGroup("outer"), TaskGroup("inner"):
            EmptyOperator(task_id="e")
        ExternalTaskMarker(task_id="mk", external_dag_id="d2", external_task_id="t2",
                           recursion_depth=3)
    data = serialize_dag(dag)
    marker = next(t for t in data["tasks"] if t["task_id"] == "mk")
    assert (marker["external_dag_id"], marker["external_task_id"], marker["recursion_depth"],
            marker["execution_date"]) == ("d2", "t2", 3, "{{ logical_date.isoformat() }}")
    assert marker["extra_links"][0]["name"] == "External DAG"
    assert data["task_group_members"] == {"outer": ["outer.inner.e"],
                                          "outer.inner": ["outer.inner.e"]}
    with pytest.raises(ValueError, match="recursion_depth"):
        ExternalTaskMarker(task_id="x", external_dag_id="d", external_task_id="t",
                           recursion_depth=0)


def test_latest_only_proceeds_on_manual_runs_under_dag_test() -> None:
    with DAG("lo", schedule="@daily", start_date=START) as dag:
        LatestOnlyOperator(task_id="latest") >> EmptyOperator(task_id="after")
    assert dag.test(logical_date=WHEN) == {"latest": "success", "after": "success"}


@pytest.mark.parametrize(("start", "follow"), [
    (datetime.now(UTC) - timedelta(days=5), []),  # an old catchup run
    (datetime.now(UTC) - timedelta(days=1), ["after"]),  # the latest interval
])
def test_latest_only_on_scheduled_runs(start, follow) -> None:
    from crosswind.dags.context import RunInfo, TIInfo, build_context
    from crosswind.dags.runtime import set_backend
    from crosswind.execution.task_execute import execute_task

    with DAG("lo2", schedule="@daily", start_date=START) as dag:
        LatestOnlyOperator(task_id="latest") >> EmptyOperator(task_id="after")
    begin = start.replace(hour=0, minute=0, second=0, microsecond=0)
    run = RunInfo(dag_id="lo2", run_id="scheduled__x", logical_date=begin,
                  data_interval_start=begin, data_interval_end=begin + timedelta(days=1),
                  run_type="scheduled", external_trigger=False)
    set_backend(MemoryBackend())
    try:
        ctx = build_context(dag=dag, task=dag.task_dict["latest"], run=run, ti=TIInfo("latest"))
        outcome = execute_task(dag.task_dict["latest"], ctx)
    finally:
        set_backend(None)
    assert (outcome.state, outcome.follow_task_ids) == ("success", follow)


def test_extra_link_urls() -> None:
    from crosswind.dags.operators.external_task import ExternalDagLink
    from crosswind.dags.operators.trigger_dagrun import TriggerDagRunLink

    assert TriggerDagRunLink.url("t d", "manual__2024-01-01T00:00:00+00:00") == (
        "/dags/t%20d/grid?dag_run_id=manual__2024-01-01T00%3A00%3A00%2B00%3A00")
    assert ExternalDagLink.url("other", WHEN) == (
        "/dags/other/grid?execution_date=2024-04-02T03%3A00%3A00%2B00%3A00")
