"""DAG/operator authoring: arguments, default_args, wiring, TaskFlow and DAG.test()."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crosswind import DAG, dag, task
from crosswind.dags.baseoperator import SlaNotEnforcedWarning, chain, cross_downstream
from crosswind.dags.exceptions import (
    AirflowException,
    AirflowSkipException,
    DagCycleException,
    DuplicateTaskIdFound,
    ParamValidationError,
)
from crosswind.dags.hooks import BaseHook, Connection
from crosswind.dags.masking import clear_secrets, is_sensitive_key, redact
from crosswind.dags.params import Param
from crosswind.dags.runtime import MemoryBackend, get_backend, set_backend
from crosswind.dags.trigger_rule import TriggerRule, evaluate_trigger_rule
from crosswind.dags.utils_dates import days_ago
from crosswind.dags.variable import Variable
from crosswind.operators import BashOperator, EmptyOperator, PythonOperator

START = datetime(2024, 1, 1)


@pytest.fixture
def backend() -> Iterator[MemoryBackend]:
    b = MemoryBackend()
    set_backend(b)
    yield b
    set_backend(None)
    clear_secrets()


def test_task_defaults_match_airflow() -> None:
    with DAG("d", schedule=None, start_date=START):
        t = EmptyOperator(task_id="t")
    assert (t.owner, t.retries, t.pool, t.queue, t.priority_weight) == (
        "airflow",
        0,
        "default_pool",
        "default",
        1,
    )
    assert t.retry_delay == timedelta(seconds=300)
    assert t.trigger_rule is TriggerRule.ALL_SUCCESS
    assert t.weight_rule == "downstream"


def test_default_args_fill_only_missing_arguments() -> None:
    args = {
        "owner": "ops",
        "retries": 3,
        "retry_delay": 10,
        "bash_command": "echo default",
        "not_an_arg": 1,
    }
    with DAG("d", schedule=None, start_date=START, default_args=args):
        a = BashOperator(task_id="a")
        b = BashOperator(
            task_id="b", bash_command="echo mine", retries=0, default_args={"owner": "task-level"}
        )
    assert (a.owner, a.retries, a.bash_command) == ("ops", 3, "echo default")
    assert a.retry_delay == timedelta(seconds=10)
    assert (b.owner, b.retries, b.bash_command) == ("task-level", 0, "echo mine")


def test_dag_takes_start_date_from_default_args_and_makes_it_utc() -> None:
    d = DAG("d", default_args={"start_date": datetime(2024, 5, 1)})
    assert d.start_date == datetime(2024, 5, 1, tzinfo=UTC)
    assert d.schedule_info == {"kind": "delta", "value": 86400.0}  # Airflow's default


def test_unknown_kwarg_is_a_type_error_naming_the_operator() -> None:
    with DAG("d", schedule=None, start_date=START), pytest.raises(TypeError) as err:
        BashOperator(task_id="x", bash_command="true", provide_context=True)
    assert "Invalid arguments were passed to BashOperator (task_id: x)" in str(err.value)
    with pytest.warns(SlaNotEnforcedWarning, match="SLAs are not enforced"):
        EmptyOperator(task_id="harmless", email_on_failure=True, sla=timedelta(hours=1))


def test_dag_rejects_unknown_kwargs_and_both_schedule_spellings() -> None:
    with pytest.raises(TypeError, match="nonsense"):
        DAG("d", nonsense=1)
    with pytest.raises(ValueError, match="either"):
        DAG("d", schedule="@daily", schedule_interval="@daily")


@pytest.mark.parametrize("schedule", ["61 * * * *", "@sometimes", "not cron", 5])
def test_bad_schedule_raises_value_error(schedule: object) -> None:
    with pytest.raises(ValueError, match="Invalid"):
        DAG("d", schedule=schedule)


def test_duplicate_task_id() -> None:
    with (
        DAG("d", schedule=None, start_date=START),
        pytest.raises(DuplicateTaskIdFound, match="Task id 'x' has already been added to the DAG"),
    ):
        EmptyOperator(task_id="x")
        EmptyOperator(task_id="x")


def test_trigger_rule_validation_and_legacy_alias() -> None:
    with DAG("d", schedule=None, start_date=START):
        t = EmptyOperator(task_id="t", trigger_rule="none_failed_or_skipped")
        with pytest.raises(AirflowException, match="trigger_rule"):
            EmptyOperator(task_id="u", trigger_rule="sometimes")
    assert t.trigger_rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS


def test_bitshift_lists_and_relatives() -> None:
    with DAG("d", schedule=None, start_date=START) as d:
        a, b, c, e = (EmptyOperator(task_id=x) for x in "abce")
        a >> [b, c] >> e
        [a] << EmptyOperator(task_id="z")
    assert a.downstream_task_ids == {"b", "c"}
    assert e.upstream_task_ids == {"b", "c"}
    assert a.upstream_task_ids == {"z"}
    assert [t.task_id for t in d.roots] == ["z"]
    assert [t.task_id for t in d.topological_sort()] == ["z", "a", "b", "c", "e"]


def test_chain_and_cross_downstream() -> None:
    with DAG("d", schedule=None, start_date=START):
        t = {x: EmptyOperator(task_id=x) for x in "abcdefg"}
        chain(t["a"], [t["b"], t["c"]], [t["d"], t["e"]], t["f"])
        cross_downstream([t["f"]], [t["g"]])
    assert t["a"].downstream_task_ids == {"b", "c"}
    assert t["b"].downstream_task_ids == {"d"}
    assert t["c"].downstream_task_ids == {"e"}
    assert t["f"].upstream_task_ids == {"d", "e"}
    assert t["g"].upstream_task_ids == {"f"}
    with pytest.raises(AirflowException, match="different length"):
        chain([t["a"]], [t["b"], t["c"]])


def test_wiring_task_without_dag_adopts_or_raises() -> None:
    with DAG("d", schedule=None, start_date=START) as d:
        a = EmptyOperator(task_id="a")
    loose = EmptyOperator(task_id="loose")
    a >> loose
    assert loose.dag is d
    with pytest.raises(AirflowException, match="don't have DAGs yet"):
        EmptyOperator(task_id="x") >> EmptyOperator(task_id="y")


def test_cycle_detected_by_validate() -> None:
    with DAG("cyc", schedule=None, start_date=START) as d:
        a, b = EmptyOperator(task_id="a"), EmptyOperator(task_id="b")
        a >> b >> a
    with pytest.raises(DagCycleException, match="Cycle detected in DAG: cyc"):
        d.validate()


def test_priority_weight_rules() -> None:
    with DAG("d", schedule=None, start_date=START):
        a = EmptyOperator(task_id="a", priority_weight=1)
        b = EmptyOperator(task_id="b", priority_weight=2, weight_rule="upstream")
        c = EmptyOperator(task_id="c", priority_weight=4, weight_rule="absolute")
        a >> b >> c
    assert (a.priority_weight_total, b.priority_weight_total, c.priority_weight_total) == (7, 3, 4)
    with pytest.raises(AirflowException, match="weight_rule"):
        EmptyOperator(task_id="bad", weight_rule="sideways", dag=DAG("x"))


def test_days_ago_is_midnight_utc() -> None:
    value = days_ago(2)
    assert value.utcoffset() == timedelta(0) and (value.hour, value.minute) == (0, 0)
    assert (datetime.now(UTC) - value).days in (1, 2)


def test_taskflow_wires_xcomargs_and_suffixes_repeated_ids(backend: MemoryBackend) -> None:
    @dag(schedule=None, start_date=START)
    def flow(factor: int = 2):
        @task
        def one() -> int:
            return 1

        @task
        def double(x: int, factor: int) -> int:
            return x * factor

        double(double(one(), factor), factor)

    d = flow()
    assert d.dag_id == "flow" and d.params["factor"].value == 2
    assert sorted(d.task_ids) == ["double", "double__1", "one"]
    assert d.task_dict["double__1"].upstream_task_ids == {"double"}
    assert d.test(backend=backend) == {
        "one": "success",
        "double": "success",
        "double__1": "success",
    }
    stored = {k[2]: v for k, v in backend.xcoms.items() if k[3] == "return_value"}
    assert stored == {"one": "1", "double": "2", "double__1": "4"}


def test_multiple_outputs_and_override(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=START) as d:

        @task(multiple_outputs=True)
        def pair():
            return {"x": 3, "y": 4}

        @task
        def add(a, b):
            return a + b

        p = pair()
        add.override(task_id="summed", retries=2)(p["x"], p["y"])
    assert d.task_dict["summed"].retries == 2
    d.test(backend=backend)
    assert (
        backend.xcom_pull(
            dag_id="d", run_id=next(iter(backend.xcoms))[1], task_id="summed", key="return_value"
        )
        == 7
    )


def test_branching_and_short_circuit_with_dag_test(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=START) as d:

        @task.branch
        def pick():
            return "left"

        left, right = EmptyOperator(task_id="left"), EmptyOperator(task_id="right")
        join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")

        @task.short_circuit
        def gate():
            return 0

        after = EmptyOperator(task_id="after")
        pick() >> [left, right] >> join >> gate() >> after >> EmptyOperator(task_id="later")
    states = d.test(backend=backend)
    assert states == {
        "pick": "success",
        "left": "success",
        "right": "skipped",
        "join": "success",
        "gate": "success",
        "after": "skipped",
        "later": "skipped",
    }


def test_branch_to_unknown_task_fails(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=START) as d:

        @task.branch
        def pick():
            return "nowhere"

        pick() >> EmptyOperator(task_id="x")
    assert d.test(backend=backend)["pick"] == "failed"


def test_retries_in_dag_test(backend: MemoryBackend) -> None:
    calls: list[int] = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ValueError("not yet")

    with DAG("d", schedule=None, start_date=START) as d:
        PythonOperator(task_id="flaky", python_callable=flaky, retries=2)
    assert d.test(backend=backend) == {"flaky": "success"} and len(calls) == 3


@pytest.mark.parametrize(
    ("rule", "states", "expected"),
    [
        ("all_success", ["success", "success"], "run"),
        ("all_success", ["success", "running"], None),
        ("all_success", ["success", "skipped"], "skipped"),
        ("all_success", ["failed", "skipped"], "upstream_failed"),
        ("all_failed", ["failed", "upstream_failed"], "run"),
        ("all_failed", ["failed", "success"], "skipped"),
        ("all_done", ["failed", "skipped"], "run"),
        ("one_success", ["running", "success"], "run"),
        ("one_success", ["skipped", "skipped"], "skipped"),
        ("one_failed", ["running", "failed"], "run"),
        ("one_failed", ["success", "skipped"], "skipped"),
        ("one_done", ["running", "failed"], "run"),
        ("none_failed", ["success", "skipped"], "run"),
        ("none_failed", ["success", "upstream_failed"], "upstream_failed"),
        ("none_failed_min_one_success", ["skipped", "skipped"], "skipped"),
        ("none_skipped", ["success", "skipped"], "skipped"),
        ("all_skipped", ["skipped", "skipped"], "run"),
        ("all_skipped", ["skipped", "success"], "skipped"),
        ("always", ["running"], "run"),
        ("all_success", [], "run"),
    ],
)
def test_evaluate_trigger_rule(rule: str, states: list[str], expected: str | None) -> None:
    assert evaluate_trigger_rule(rule, states) == expected


def test_variable_api(backend: MemoryBackend, monkeypatch: pytest.MonkeyPatch) -> None:
    Variable.set("plain", "v")
    Variable.set("cfg", {"a": [1]}, serialize_json=True)
    assert Variable.get("plain") == "v"
    assert Variable.get("cfg", deserialize_json=True) == {"a": [1]}
    assert Variable.get("missing", default_var=None) is None
    with pytest.raises(KeyError, match="Variable missing does not exist"):
        Variable.get("missing")
    monkeypatch.setenv("AIRFLOW_VAR_FROM_ENV", "env-value")
    assert Variable.get("from_env") == "env-value"
    Variable.delete("plain")
    assert backend.get_variable("plain") is None
    Variable.set("my_api_key", "sk-12345678")
    Variable.get("my_api_key")
    assert redact("key is sk-12345678!") == "key is ***!"


def test_no_backend_is_a_clear_error() -> None:
    set_backend(None)
    with pytest.raises(AirflowException, match="no runtime backend"):
        get_backend()


def test_connections_and_masking(backend: MemoryBackend) -> None:
    backend.connections["db"] = {
        "conn_type": "postgres",
        "host": "h",
        "login": "u",
        "password": "p@ss word",
        "port": 5432,
        "schema": "s",
        "extra": '{"sslmode": "require"}',
    }
    conn = BaseHook.get_connection("db")
    assert (conn.conn_id, conn.host, conn.port) == ("db", "h", 5432)
    assert conn.extra_dejson == {"sslmode": "require"}
    assert conn.get_uri() == "postgres://u:p%40ss%20word@h:5432/s?sslmode=require"
    assert redact("pw=p@ss word") == "pw=***"
    assert redact("abc") == "abc"
    with pytest.raises(AirflowException, match="isn't defined"):
        BaseHook.get_connection("nope")
    parsed = Connection(conn_id="x", uri="mysql://a:b@host:3306/db?x=1")
    assert (parsed.conn_type, parsed.login, parsed.password, parsed.schema, parsed.port) == (
        "mysql",
        "a",
        "b",
        "db",
        3306,
    )


@pytest.mark.parametrize(
    ("key", "sensitive"),
    [
        ("my_password", True),
        ("API_KEY", True),
        ("aws_secret_access", True),
        ("token_url", True),
        ("table_name", False),
        ("owner", False),
    ],
)
def test_is_sensitive_key(key: str, sensitive: bool) -> None:
    assert is_sensitive_key(key) is sensitive


def test_param_validation() -> None:
    p = Param(5, type="integer", minimum=1)
    assert p.resolve() == 5 and p.resolve(7) == 7
    with pytest.raises(ParamValidationError):
        p.resolve("x")
    with pytest.raises(ParamValidationError):
        p.resolve(0)
    with pytest.raises(ParamValidationError):
        Param(type="string").resolve()


def test_bash_operator_skip_and_failure(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=START) as d:
        BashOperator(task_id="skip", bash_command="exit 99")
        BashOperator(task_id="fail", bash_command="exit 4")
        BashOperator(task_id="custom", bash_command="exit 7", skip_on_exit_code=[7])
    assert d.test(backend=backend) == {"custom": "skipped", "fail": "failed", "skip": "skipped"}


def test_skip_exception_from_python(backend: MemoryBackend) -> None:
    def skip():
        raise AirflowSkipException("no data")

    with DAG("d", schedule=None, start_date=START) as d:
        PythonOperator(task_id="s", python_callable=skip) >> EmptyOperator(task_id="after")
    assert d.test(backend=backend) == {"s": "skipped", "after": "skipped"}


def test_task_groups_prefix_ids_and_wire_roots_and_leaves(backend: MemoryBackend) -> None:
    from crosswind.dags.decorators import task_group
    from crosswind.dags.task_group import TaskGroup

    with DAG("d", schedule=None, start_date=START, default_args={"retries": 1}) as d:
        start, end = EmptyOperator(task_id="start"), EmptyOperator(task_id="end")
        with TaskGroup("g", default_args={"retries": 4}) as g:
            a = EmptyOperator(task_id="a")
            with TaskGroup("inner"):
                b = EmptyOperator(task_id="b")
            a >> b
            c = EmptyOperator(task_id="c")

        @task_group
        def tg():
            @task
            def step():
                return 1

            step()
            step()

        start >> g >> tg() >> end
    assert sorted(d.task_ids) == [
        "end",
        "g.a",
        "g.c",
        "g.inner.b",
        "start",
        "tg.step",
        "tg.step__1",
    ]
    assert (a.retries, b.retries, start.retries) == (4, 4, 1)
    assert start.downstream_task_ids == {"g.a", "g.c"}
    assert b.downstream_task_ids == c.downstream_task_ids == {"tg.step", "tg.step__1"}
    assert d.task_dict["end"].upstream_task_ids == {"tg.step", "tg.step__1"}
    assert set(d.test(backend=backend).values()) == {"success"}


def test_edge_labels_wire_through(backend: MemoryBackend) -> None:
    from crosswind.dags.edgemodifier import Label

    with DAG("d", schedule=None, start_date=START):
        a, b, c = (EmptyOperator(task_id=x) for x in "abc")
        a >> Label("because") >> [b, c]
        [b, c] >> Label("then") >> EmptyOperator(task_id="e")
    assert a.downstream_task_ids == {"b", "c"}
    assert b.downstream_task_ids == c.downstream_task_ids == {"e"}


def test_python_sensor_pokes_until_true_and_times_out(backend: MemoryBackend) -> None:
    from crosswind.dags.operators.sensors import PythonSensor

    pokes: list[int] = []

    def ready() -> bool:
        pokes.append(1)
        return len(pokes) >= 3

    with DAG("d", schedule=None, start_date=START) as d:
        PythonSensor(task_id="wait", python_callable=ready, poke_interval=0.01)
        PythonSensor(
            task_id="never", python_callable=lambda: False, poke_interval=0.01, timeout=0.05
        )
        PythonSensor(
            task_id="soft",
            python_callable=lambda: False,
            poke_interval=0.01,
            timeout=0.05,
            soft_fail=True,
        )
    assert d.test(backend=backend) == {"never": "failed", "soft": "skipped", "wait": "success"}
    assert len(pokes) == 3


def test_dag_test_accepts_airflow_arguments(backend: MemoryBackend) -> None:
    seen: list[Any] = []
    with DAG("d", schedule=None, start_date=START, params={"x": 1}) as d:
        PythonOperator(task_id="p", python_callable=lambda params, ds: seen.append((params, ds)))
    d.test(execution_date=datetime(2024, 2, 3), run_conf={"x": 2}, backend=backend)
    assert seen == [({"x": 2}, "2024-02-03")]
