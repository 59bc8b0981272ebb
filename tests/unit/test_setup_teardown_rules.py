"""Setup/teardown authoring (flags, decorators, context managers, checks), the graph rules
(indirect setups, run leaves, clear selection), the scheduler's decisions and dag.test().
Expected edges, states and selections were checked on Airflow 2.11.2 with the same DAGs."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import setup_teardown_oracle as oracle

from crosswind import DAG, task
from crosswind.dags import setup_teardown_graph as graph
from crosswind.dags.exceptions import AirflowException, AirflowSkipException
from crosswind.dags.local_run import local_run_state
from crosswind.dags.runtime import MemoryBackend, set_backend
from crosswind.dags.serialize import serialize_dag
from crosswind.dags.setup_teardown import context_wrapper, setup, teardown
from crosswind.dags.task_group import TaskGroup
from crosswind.dags.trigger_rule import TriggerRule, evaluate_trigger_rule
from crosswind.operators import EmptyOperator, PythonOperator
from crosswind.scheduling.dag_cache import build_info
from crosswind.scheduling.task_instances import TIRow, decide, run_outcome

START = datetime(2024, 1, 1)
NOW = datetime(2024, 5, 1)


@pytest.fixture(autouse=True)
def memory_backend() -> Iterator[None]:
    set_backend(MemoryBackend())
    yield
    set_backend(None)


def edges(d: DAG) -> dict[str, list[str]]:
    return {t.task_id: sorted(t.downstream_task_ids) for t in d.tasks}


def E(task_id: str, **kw: Any) -> EmptyOperator:
    return EmptyOperator(task_id=task_id, **kw)


def _ok() -> str:
    return "ok"


def _boom() -> None:
    raise ValueError("boom")


def _skip() -> None:
    raise AirflowSkipException("nothing to do")


def P(task_id: str, fn: Any = _ok, **kw: Any) -> PythonOperator:
    return PythonOperator(task_id=task_id, python_callable=fn, **kw)


# -- authoring --------------------------------------------------------------------------
def test_as_setup_and_as_teardown_mark_and_wire():
    with DAG("a1", start_date=START, schedule=None) as d:
        s = E("s")
        assert s.as_setup() is s
        t = E("t").as_teardown(setups=s, on_failure_fail_dagrun=True)
        plain = E("plain")
    assert (s.is_setup, s.is_teardown, t.is_setup, t.is_teardown) == (True, False, False, True)
    assert t.trigger_rule == TriggerRule.ALL_DONE_SETUP_SUCCESS and t.on_failure_fail_dagrun
    assert not plain.is_setup and not plain.is_teardown and not plain.on_failure_fail_dagrun
    assert edges(d) == {"s": ["t"], "t": [], "plain": []}


def test_as_teardown_setups_may_be_a_list_of_unmarked_tasks():
    with DAG("a2", start_date=START, schedule=None) as d:
        s1, s2 = E("s1"), E("s2")
        t = E("t").as_teardown(setups=[s1, s2])
    assert s1.is_setup and s2.is_setup and t.upstream_task_ids == {"s1", "s2"}
    assert t.on_failure_fail_dagrun is False
    assert edges(d)["s1"] == ["t"]


def test_xcomarg_methods_act_on_the_operator_and_return_the_xcomarg():
    with DAG("a3", start_date=START, schedule=None):
        @task
        def make() -> int:
            return 1

        @task
        def drop(x: int) -> None:
            pass

        made = make()
        assert made.as_setup() is made and made.is_setup
        dropped = drop(made).as_teardown(setups=made)
    assert dropped.operator.is_teardown
    assert dropped.operator.trigger_rule == "all_done_setup_success"


@pytest.mark.parametrize(("action", "error", "message"), [
    (lambda: E("q").as_setup().as_teardown(), ValueError,
     "Cannot mark task 'q' as teardown; task is already a setup."),
    (lambda: E("r").as_teardown().as_setup(), ValueError,
     "Cannot mark task 'r' as setup; task is already a teardown."),
    (lambda: setattr(E("u"), "on_failure_fail_dagrun", True), ValueError,
     "Cannot set task on_failure_fail_dagrun for 'u' because it is not a teardown task."),
    (lambda: E("p").__enter__(), AirflowException,
     "Only setup/teardown tasks can be used as context managers."),
])
def test_authoring_errors_as_airflow(action, error, message):
    with DAG("a4", start_date=START, schedule=None), pytest.raises(error) as info:
        action()
    assert str(info.value) == message


def test_setup_followed_by_another_trigger_rule_is_refused():
    with DAG("a5", start_date=START, schedule=None) as d:
        E("s").as_setup() >> E("w", trigger_rule="all_done")
    with pytest.raises(ValueError, match="Setup tasks must be followed with trigger rule"):
        d.validate()


def test_decorators_mark_tasks_and_pass_xcom():
    with DAG("a6", start_date=START, schedule=None) as d:
        @setup
        def lease() -> str:
            return "lease-7"

        @teardown(on_failure_fail_dagrun=True)
        def release(lease_id: str) -> None:
            print("released", lease_id)

        @teardown
        def tidy() -> None:
            pass

        lease_id = lease()
        release(lease_id)
        tidy.override(task_id="tidy_again")()
    s, r, td = d.get_task("lease"), d.get_task("release"), d.get_task("tidy_again")
    assert s.is_setup and r.is_teardown and r.on_failure_fail_dagrun
    assert td.is_teardown and not td.on_failure_fail_dagrun  # override keeps the marking
    assert r.trigger_rule == "all_done_setup_success" and r.upstream_task_ids == {"lease"}
    assert d.test() == {"lease": "success", "release": "success", "tidy_again": "success"}


def test_teardown_decorator_refuses_a_trigger_rule():
    with DAG("a7", start_date=START, schedule=None):
        @teardown
        def td() -> None:
            pass

        with pytest.raises(ValueError, match="Trigger rule not configurable for teardown"):
            td.override(trigger_rule="all_done")()


def test_setup_decorator_refuses_a_task_group():
    from crosswind.dags.decorators import task_group

    @task_group
    def group() -> None:
        pass

    with pytest.raises(AirflowException, match="Task groups cannot be marked"):
        setup(group)


# -- context managers (edges as Airflow 2.11.2 builds them) ------------------------------
def test_nested_context_managers_chain_setups_and_teardowns():
    with DAG("c1", start_date=START, schedule=None) as d:
        s1, t1 = E("s1").as_setup(), E("t1").as_teardown()
        s2, t2 = E("s2").as_setup(), E("t2").as_teardown()
        with s1 >> t1:
            E("w1")
            with s2 >> t2:
                E("w2")
    assert edges(d) == {"s1": ["s2", "t1", "w1"], "t1": [], "s2": ["t2", "w2"], "t2": ["t1"],
                        "w1": ["t1"], "w2": ["t2"]}


def test_setup_context_finds_its_teardown_downstream():
    with DAG("c2", start_date=START, schedule=None) as d:
        s = E("s").as_setup()
        E("t").as_teardown(setups=s)
        with s:
            E("a") >> E("b")
    assert edges(d) == {"s": ["a", "t"], "t": [], "a": ["b"], "b": ["t"]}


def test_context_wrapper_and_list_of_setups():
    with DAG("c3", start_date=START, schedule=None) as d:
        s1, s2 = E("s1").as_setup(), E("s2").as_setup()
        with context_wrapper([s1, s2]):
            E("a")
            E("b")
        t = E("t").as_teardown()
        s3, s4 = E("s3").as_setup(), E("s4").as_setup()
        with [s3, s4] >> t:
            E("c")
    assert edges(d) == {"s1": ["a", "b"], "s2": ["a", "b"], "a": [], "b": [], "t": [],
                        "s3": ["c", "t"], "s4": ["c", "t"], "c": ["t"]}


def test_context_wires_task_groups_and_tasks_with_outside_upstream():
    with DAG("c4", start_date=START, schedule=None) as d:
        s, t = E("s").as_setup(), E("t").as_teardown()
        outside = E("outside")
        with s >> t:
            with TaskGroup("g"):
                E("x") >> E("y")
            inner = E("z")
            outside >> inner
    assert edges(d) == {"s": ["g.x", "t"], "t": [], "g.x": ["g.y"], "g.y": ["t"],
                        "outside": ["z"], "z": ["t"]}


def test_taskflow_teardown_as_context_manager():
    with DAG("c5", start_date=START, schedule=None) as d:
        @setup
        def make() -> str:
            return "x"

        @teardown
        def drop(v: str) -> None:
            pass

        @task
        def work() -> None:
            pass

        with drop(make()):
            work()
            work()
    assert edges(d) == {"make": ["drop", "work", "work__1"], "drop": [],
                        "work": ["drop"], "work__1": ["drop"]}


def test_the_shim_serves_airflow_names():
    decorators = importlib.import_module("airflow.decorators")
    assert decorators.setup is setup and decorators.teardown is teardown
    module = importlib.import_module("airflow.decorators.setup_teardown")
    assert module.context_wrapper is context_wrapper and module.setup_task is setup
    rule = importlib.import_module("airflow.utils.trigger_rule").TriggerRule
    assert rule.ALL_DONE_SETUP_SUCCESS == "all_done_setup_success"


# -- serialized flags and graph rules ---------------------------------------------------
def _clear_dag() -> DAG:
    with DAG("g1", start_date=START, schedule=None) as d:
        s, w1, w2, x = E("s").as_setup(), E("w1"), E("w2"), E("x")
        t = E("t").as_teardown(setups=s)
        s >> w1 >> w2 >> t
        x >> w2
        s2 = E("s2").as_setup()
        t2 = E("t2").as_teardown(setups=s2)
        with s2 >> t2:
            y = E("y")
        w2 >> y
    return d


def test_flags_are_serialized():
    doc = {t["task_id"]: t for t in serialize_dag(_clear_dag())["tasks"]}
    assert doc["s"]["is_setup"] is True and doc["s"]["is_teardown"] is False
    assert doc["t"]["is_teardown"] is True and doc["t"]["on_failure_fail_dagrun"] is False
    assert doc["t"]["trigger_rule"] == "all_done_setup_success"
    assert doc["x"]["is_setup"] is False and doc["x"]["is_teardown"] is False


# (task_ids, include_upstream, include_downstream, selected): Airflow's partial_subset
CLEARS = [
    (["w1"], False, False, "s t w1"),
    (["w1"], False, True, "s s2 t t2 w1 w2 y"),
    (["w1"], True, False, "s t w1"),
    (["s"], False, False, "s t"),
    (["s"], False, True, "s s2 t t2 w1 w2 y"),
    (["t"], False, False, "t"),
    (["w2"], False, False, "s t w2"),
    (["y"], False, False, "s2 t2 y"),
    (["x"], False, True, "s s2 t t2 w2 x y"),
    (["x"], False, False, "x"),
    (["w2"], True, False, "s t w1 w2 x"),
    (["t2"], True, False, "s s2 t t2 w1 w2 x y"),
]


@pytest.mark.parametrize(("ids", "up", "down", "expected"), CLEARS)
def test_clear_selection(ids, up, down, expected):
    tasks = {t["task_id"]: t for t in serialize_dag(_clear_dag())["tasks"]}
    assert graph.clear_selection(tasks, ids, upstream=up, downstream=down) == set(
        expected.split())


def test_run_leaves_skip_teardowns_unless_they_fail_the_run():
    with DAG("g2", start_date=START, schedule=None) as d:
        s, w = E("s").as_setup(), E("w")
        t = E("t").as_teardown(setups=s)
        strict = E("strict").as_teardown(setups=s, on_failure_fail_dagrun=True)
        s >> w >> [t, strict]
    assert graph.run_leaves(graph.task_table(d.tasks)) == {"strict"}
    with DAG("g3", start_date=START, schedule=None) as only:
        E("t1").as_teardown()
    assert graph.run_leaves(graph.task_table(only.tasks)) == {"t1"}


def test_teardown_rule():
    rule = "all_done_setup_success"
    assert evaluate_trigger_rule(rule, ["success", "failed"], ["success"]) == "run"
    assert evaluate_trigger_rule(rule, ["failed", "running"], ["success"]) is None
    assert evaluate_trigger_rule(rule, ["failed", "success"], ["failed", "success"]) == "run"
    assert evaluate_trigger_rule(rule, ["failed", "upstream_failed"], ["failed"]) == (
        "upstream_failed")
    assert evaluate_trigger_rule(rule, ["skipped", "skipped"], ["skipped"]) == "skipped"
    assert evaluate_trigger_rule(rule, ["failed"], []) == "run"  # no setup upstream


# -- the scheduler's decisions ----------------------------------------------------------
def _indirect_info():
    """s (setup) >> a >> w (all_done) >> t (teardown of s)."""
    with DAG("g4", start_date=START, schedule=None) as d:
        s, a, w = E("s").as_setup(), E("a"), E("w", trigger_rule="all_done")
        t = E("t").as_teardown(setups=s)
        s >> a >> w >> t
    return build_info(serialize_dag(d))


def _rows(states: dict[str, str | None]) -> dict[str, TIRow]:
    return {t: TIRow(i, t, s, 1) for i, (t, s) in enumerate(states.items())}


@pytest.mark.parametrize(("states", "expected"), [
    # an indirect setup that failed fails the work upstream, despite its all_done rule
    ({"s": "failed", "a": "upstream_failed", "w": None, "t": None},
     {"w": "upstream_failed", "t": "upstream_failed"}),
    ({"s": "skipped", "a": "skipped", "w": None, "t": None}, {"w": "skipped", "t": "skipped"}),
    # setup fine, work upstream failed: all_done runs, then the teardown runs
    ({"s": "success", "a": "failed", "w": None, "t": None}, {"w": "scheduled"}),
    ({"s": "success", "a": "failed", "w": "failed", "t": None}, {"t": "scheduled"}),
    ({"s": "running", "a": None, "w": None, "t": None}, {}),
])
def test_decide_with_indirect_setups(states, expected):
    info = _indirect_info()
    assert info.indirect_setups == {"w": frozenset({"s"})}
    assert decide(info, _rows(states), NOW) == expected


def test_run_outcome_ignores_a_failed_teardown():
    info = _indirect_info()
    done = {"s": "success", "a": "success", "w": "success"}
    assert run_outcome(info, {**done, "t": "failed"}) == "success"
    assert run_outcome(info, {**done, "w": "failed", "t": "success"}) == "failed"


# -- dag.test() (states and run state as Airflow 2.11.2's dag.test()) --------------------
def _scope(dag_id: str, s_fn: Any = _ok, w_fn: Any = _ok, t_fn: Any = _ok,
           fail_dagrun: bool = False) -> DAG:
    with DAG(dag_id, start_date=START, schedule=None) as d:
        s = P("s", s_fn).as_setup()
        t = P("t", t_fn).as_teardown(setups=s, on_failure_fail_dagrun=fail_dagrun)
        s >> P("w", w_fn) >> t
    return d


@pytest.mark.parametrize(("kwargs", "states", "run"), [
    ({"w_fn": _boom}, "success failed success", "failed"),
    ({"s_fn": _boom}, "failed upstream_failed upstream_failed", "failed"),
    ({"t_fn": _boom}, "success success failed", "success"),
    ({"t_fn": _boom, "fail_dagrun": True}, "success success failed", "failed"),
    ({"s_fn": _skip}, "skipped skipped skipped", "success"),
])
def test_dag_test_scope(kwargs, states, run):
    d = _scope("l1", **kwargs)
    result = d.test()
    assert [result[t] for t in ("s", "w", "t")] == states.split()
    assert local_run_state(d, result) == run


def test_dag_test_nested_and_two_setups():
    with DAG("l2", start_date=START, schedule=None) as nested:
        s1, t1 = P("s1").as_setup(), P("t1").as_teardown()
        s2, t2 = P("s2").as_setup(), P("t2").as_teardown()
        with s1 >> t1:
            P("w1")
            with s2 >> t2:
                P("w2", _boom)
    result = nested.test()
    assert result == {"s1": "success", "s2": "success", "w1": "success", "w2": "failed",
                      "t2": "success", "t1": "success"}
    assert local_run_state(nested, result) == "failed"
    with DAG("l3", start_date=START, schedule=None) as two:
        s1, s2 = P("s1", _boom).as_setup(), P("s2").as_setup()
        t = P("t").as_teardown(setups=[s1, s2])
        [s1, s2] >> P("w") >> t
    result = two.test()
    assert result == {"s1": "failed", "s2": "success", "w": "upstream_failed", "t": "success"}
    assert local_run_state(two, result) == "failed"


def test_readme_example_runs():
    from crosswind.dags.parser import load_dag_file

    path = Path(__file__).parents[2] / "docs" / "examples" / "setup_teardown.py"
    (d,) = load_dag_file(str(path))
    assert edges(d) == {"start_cluster": ["crunch", "stop_cluster"], "stop_cluster": [],
                        "crunch": ["stop_cluster"], "grant": ["publish", "revoke"],
                        "revoke": [], "publish": ["revoke"]}
    result = d.test()
    assert set(result.values()) == {"success"} and local_run_state(d, result) == "success"


@pytest.mark.parametrize("ignore_rules", [True, False])
def test_dag_test_short_circuit_spares_teardowns(ignore_rules):
    from crosswind.operators import ShortCircuitOperator

    with DAG("l4", start_date=START, schedule=None) as d:
        s = P("s").as_setup()
        gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False,
                                    ignore_downstream_trigger_rules=ignore_rules)
        t, t2 = P("t").as_teardown(setups=s), P("t2").as_teardown(setups=s)
        s >> gate >> P("w") >> t
        gate >> t2
    assert d.test() == {"s": "success", "gate": "success", "w": "skipped", "t": "success",
                        "t2": "success"}


def test_group_leaves_step_over_teardowns():
    with DAG("g5", start_date=START, schedule=None) as d:
        with TaskGroup("g") as g:
            s, w, w2 = E("s").as_setup(), E("w"), E("w2")
            s >> w >> w2 >> E("t").as_teardown(setups=s) >> E("t0").as_teardown(setups=s)
        with TaskGroup("h") as h:
            s2 = E("s").as_setup()
            E("t").as_teardown(setups=s2)
        g >> E("after")
        h >> E("after_h")  # only a setup and its teardown: no leaf to wire, as Airflow
    assert edges(d)["g.w2"] == ["after", "g.t"] and edges(d)["g.t0"] == []
    assert edges(d)["h.t"] == [] and d.get_task("after_h").upstream_task_ids == set()


# -- random DAGs against Airflow 2.11.2's recorded outcomes ------------------------------
ORACLE = json.loads(oracle.DATA.read_text())


@pytest.mark.parametrize("seed", oracle.SEEDS)
def test_random_dags_end_and_clear_as_airflow(seed):
    d = oracle.build(seed)
    table = graph.task_table(d.tasks)
    clears = oracle.selections(d, lambda t, up, down: graph.clear_selection(
        table, [t], upstream=up, downstream=down))
    states = d.test()
    expected = ORACLE[str(seed)]
    assert (local_run_state(d, states), dict(sorted(states.items()))) == (
        expected["run"], expected["states"])
    assert clears == expected["clears"]
    # The scheduler decides the same from the serialized DAG: tick until nothing changes,
    # each scheduled task ending as its callable does.
    info = build_info(serialize_dag(d))
    rows = _rows(dict.fromkeys(d.task_ids))
    while changes := decide(info, rows, NOW):
        for tid, new in changes.items():
            failing = d.get_task(tid).python_callable is oracle.boom
            rows[tid].state = ("failed" if failing else "success") if new == "scheduled" else new
    scheduled = {tid: row.state for tid, row in rows.items()}
    assert (run_outcome(info, scheduled), dict(sorted(scheduled.items()))) == (
        expected["run"], expected["states"])


# -- Airflow's own setup/teardown examples, read from an Airflow install when there is one
AIRFLOW_EXAMPLES = Path(
    "/work/afvenv/lib/python3.11/site-packages/airflow/example_dags")


@pytest.mark.parametrize(("name", "edges_checked", "cleared"), [
    ("example_setup_teardown",
     {"root_setup": ["normal", "root_teardown"], "normal": ["root_teardown",
                                                            "section_1.taskgroup_setup"]},
     ("normal", {"normal", "root_setup", "root_teardown"})),
    ("example_setup_teardown_taskflow",
     {"my_first_task": ["my_second_task", "my_third_task"],
      "outer_setup": ["outer_teardown", "outer_work"], "outer_work": ["outer_teardown"],
      "section_1.inner_work": ["section_1.inner_teardown"]},
     ("my_second_task", {"my_first_task", "my_second_task", "my_third_task"})),
])
def test_airflow_examples_parse_and_end_as_on_airflow(name, edges_checked, cleared):
    """Edges, states and the clear as Airflow 2.11.2 gives them for its examples."""
    from crosswind.dags.parser import load_dag_file

    path = AIRFLOW_EXAMPLES / f"{name}.py"
    if not path.exists():
        pytest.skip(f"no Airflow install with its examples at {AIRFLOW_EXAMPLES}")
    (d,) = load_dag_file(str(path))
    assert {t: edges(d)[t] for t in edges_checked} == edges_checked
    result = d.test()
    assert set(result.values()) == {"success"} and local_run_state(d, result) == "success"
    task_id, expected = cleared
    table = graph.task_table(d.tasks)
    assert graph.clear_selection(table, [task_id], upstream=False, downstream=False) == expected
