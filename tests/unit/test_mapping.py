"""Dynamic task mapping authoring and DAG.test(), checked against Airflow 2.11.2's
dag.test() on the same DAG shapes (index order, cross product, zero length, reduce)."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crosswind import DAG, task
from crosswind.dags.dagbag import DagBag
from crosswind.dags.local_run import run_dag_locally
from crosswind.dags.mapping import MappedOperator
from crosswind.dags.runtime import MemoryBackend
from crosswind.dags.serialize import serialize_dag
from crosswind.operators import BashOperator, PythonOperator

START = datetime(2024, 1, 1)


def _run(dag: DAG) -> tuple[dict[str, str], dict[str, list[str]], MemoryBackend]:
    backend = MemoryBackend()
    per_index: dict[str, list[str]] = {}
    states = run_dag_locally(dag, backend=backend, map_states=per_index)
    return states, per_index, backend


def _xcoms(backend: MemoryBackend, task_id: str) -> dict[int, Any]:
    import json

    return {k[4]: json.loads(v) for k, v in backend.xcoms.items()
            if k[2] == task_id and k[3] == "return_value"}


def test_taskflow_expand_over_upstream_list_and_reduce() -> None:
    seen: list[Any] = []
    with DAG("m1", start_date=START, schedule=None) as dag:
        @task
        def make() -> list[int]:
            return [1, 2, 3]

        @task
        def add(x: int, y: int) -> int:
            return x + y

        @task
        def total(values: Any) -> int:
            seen.append(list(values))
            return sum(values)

        total(add.partial(y=10).expand(x=make()))
    assert isinstance(dag.task_dict["add"], MappedOperator)
    assert dag.task_dict["add"].upstream_task_ids == {"make"}
    states, per_index, backend = _run(dag)
    assert per_index["add"] == ["success"] * 3
    assert seen == [[11, 12, 13]]
    assert _xcoms(backend, "total") == {-1: 36}
    assert states["total"] == "success"


def test_cross_product_last_argument_fastest_and_expand_kwargs() -> None:
    with DAG("m2", start_date=START, schedule=None) as dag:
        @task
        def pair(a: int, b: str) -> str:
            return f"{a}{b}"

        @task
        def both(a: int, b: int) -> int:
            return a * b

        pair.expand(a=[1, 2], b=["x", "y", "z"])
        both.expand_kwargs([{"a": 2, "b": 3}, {"a": 4, "b": 5}])
    _, _per_index, backend = _run(dag)
    assert [v for _, v in sorted(_xcoms(backend, "pair").items())] == [
        "1x", "1y", "1z", "2x", "2y", "2z"]
    assert _xcoms(backend, "both") == {0: 6, 1: 20}


def test_map_zip_and_dict_items() -> None:
    with DAG("m3", start_date=START, schedule=None) as dag:
        @task
        def nums(n: int) -> list[int]:
            return list(range(n))

        @task
        def echo(v: Any) -> Any:
            return v

        @task
        def letters() -> dict[str, int]:
            return {"p": 1, "q": 2}

        echo.override(task_id="tens").expand(v=nums(3).map(lambda v: v * 10))
        echo.override(task_id="zipped").expand(
            v=nums.override(task_id="three")(3).zip(nums.override(task_id="two")(2)))
        echo.override(task_id="items").expand(v=letters())
    _, _, backend = _run(dag)
    assert _xcoms(backend, "tens") == {0: 0, 1: 10, 2: 20}
    assert _xcoms(backend, "zipped") == {0: [0, 0], 1: [1, 1]}
    assert _xcoms(backend, "items") == {0: ["p", 1], 1: ["q", 2]}


def test_zero_length_expansion_skips_mapped_task_and_downstream() -> None:
    with DAG("m4", start_date=START, schedule=None) as dag:
        @task
        def none() -> list[int]:
            return []

        @task
        def work(x: int) -> int:
            return x

        @task
        def after(values: Any) -> None:
            raise AssertionError("must not run")

        after(work.expand(x=none()))
    states, per_index, _ = _run(dag)
    assert per_index["work"] == ["skipped"]
    assert states["after"] == "skipped"


def test_failing_index_retries_and_all_done_reduce_sees_the_others() -> None:
    tries: list[int] = []
    got: list[Any] = []
    with DAG("m5", start_date=START, schedule=None) as dag:
        @task(retries=1, retry_delay=0)
        def flaky(x: int) -> int:
            if x == 2:
                tries.append(x)
                raise ValueError("boom")
            return x

        @task(trigger_rule="all_done")
        def collect(values: Any) -> None:
            got.append(list(values))

        @task
        def strict(values: Any) -> None:
            raise AssertionError("upstream failed: must not run")

        out = flaky.expand(x=[1, 2, 3])
        collect(out)
        strict(out)
    states, per_index, _ = _run(dag)
    assert per_index["flaky"] == ["success", "failed", "success"]
    assert tries == [2, 2]
    assert got == [[1, 3]]
    assert states["strict"] == "upstream_failed"


def test_classic_operator_partial_expand_and_map_index_template() -> None:
    with DAG("m6", start_date=START, schedule=None, default_args={"retries": 2}) as dag:
        op = BashOperator.partial(task_id="say", map_index_template="{{ task.bash_command }}"
                                  ).expand(bash_command=["echo one", "echo two"])
        py = PythonOperator.partial(task_id="py", python_callable=lambda a: a * 2).expand(
            op_args=[[1], [2]])
    assert op.retries == 2 and op.task_type == "BashOperator"
    doc = {t["task_id"]: t for t in serialize_dag(dag)["tasks"]}
    assert doc["say"]["is_mapped"] is True
    assert doc["say"]["expand_input"] == {"type": "dict-of-lists",
                                          "lengths": {"bash_command": {"literal": 2}}}
    assert doc["say"]["map_index_template"] == "{{ task.bash_command }}"
    _, _per_index, backend = _run(dag)
    assert _xcoms(backend, "say") == {0: "one", 1: "two"}
    assert _xcoms(backend, "py") == {0: 2, 1: 4}
    assert py.is_mapped


def test_serialized_xcom_length_spec() -> None:
    with DAG("m7", start_date=START, schedule=None) as dag:
        @task
        def src() -> list[int]:
            return [1]

        @task
        def use(a: int, b: int) -> None: ...

        s = src()
        use.expand(a=s, b=s.zip(src.override(task_id="other")()))
    doc = {t["task_id"]: t for t in serialize_dag(dag)["tasks"]}
    assert doc["use"]["upstream_task_ids"] == ["other", "src"]
    assert doc["use"]["expand_input"]["lengths"] == {
        "a": {"xcom": "src", "key": "return_value", "plain": True},
        "b": {"zip": [{"xcom": "src", "key": "return_value", "plain": True},
                      {"xcom": "other", "key": "return_value", "plain": True}],
              "longest": False}}
    assert doc["src"]["is_mapped"] is False


@pytest.mark.parametrize(("build", "error"), [
    (lambda t: t.expand(), TypeError),
    (lambda t: t.expand(x=1), ValueError),
    (lambda t: t.expand(nope=[1]), TypeError),
    (lambda t: t.partial(x=1).expand(x=[2]), TypeError),
    (lambda t: t.expand_kwargs({"x": 1}), TypeError),
])
def test_taskflow_expand_refuses_bad_arguments(build: Any, error: type) -> None:
    with DAG("bad", start_date=START, schedule=None):
        @task
        def one(x: int) -> int:
            return x

        with pytest.raises(error):
            build(one)


def test_classic_partial_refuses_unknown_and_task_id_mapping() -> None:
    with DAG("bad2", start_date=START, schedule=None):
        with pytest.raises(TypeError, match="unexpected keyword"):
            BashOperator.partial(task_id="a", bogus=1)
        with pytest.raises(ValueError, match="cannot map over parameter 'task_id'"):
            BashOperator.partial(task_id="b").expand(task_id=["a"])


def test_upstream_push_checked_for_mapping(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSSWIND_MAX_MAP_LENGTH", "3")
    with DAG("m8", start_date=START, schedule=None) as dag:
        @task
        def nothing() -> None:
            return None

        @task
        def too_long() -> list[int]:
            return [1, 2, 3, 4]

        @task
        def use(x: Any) -> None: ...

        use.override(task_id="a").expand(x=nothing())
        use.override(task_id="b").expand(x=too_long())
    states, _, _ = _run(dag)
    assert states["nothing"] == "failed" and states["a"] == "upstream_failed"
    assert states["too_long"] == "failed" and states["b"] == "upstream_failed"


AIRFLOW_EXAMPLES = Path("/work/afvenv/lib/python3.11/site-packages/airflow/example_dags")
# What Airflow 2.11.2's dag.test() gives for its mapping examples (task -> index states).
EXAMPLE_OUTCOMES = {
    "example_dynamic_task_mapping": {"add_one": ["success"] * 3, "sum_it": ["success"]},
    "example_dynamic_task_mapping_with_no_taskflow_operators": {
        "add_one": ["success"] * 3, "sum_it": ["success"]},
}


@pytest.mark.skipif(not AIRFLOW_EXAMPLES.is_dir(), reason="Airflow's example DAGs not installed")
def test_airflow_mapping_examples_end_as_on_airflow(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Airflow's own example files, read from its installation (not copied here)."""
    for name in EXAMPLE_OUTCOMES:
        shutil.copy(AIRFLOW_EXAMPLES / f"{name}.py", tmp_path / f"{name}.py")
    bag = DagBag(tmp_path)
    assert bag.import_errors == {}
    for dag_id, expected in EXAMPLE_OUTCOMES.items():
        per_index: dict[str, list[str]] = {}
        states = run_dag_locally(bag.dags[dag_id], backend=MemoryBackend(),
                                 map_states=per_index)
        assert {t: per_index.get(t, [s]) for t, s in states.items()} == expected
    assert capsys.readouterr().out.count("Total was 9") == 2
