"""execute_task(): rendering, XCom, outcomes, callbacks, timeouts and killing bash."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crosswind import DAG, task
from crosswind.dags.context import RunInfo, TIInfo, build_context
from crosswind.dags.exceptions import AirflowFailException
from crosswind.dags.masking import clear_secrets
from crosswind.dags.operators.python import get_current_context
from crosswind.dags.runtime import MemoryBackend, set_backend
from crosswind.execution.task_execute import execute_task
from crosswind.operators import (
    BashOperator,
    BranchPythonOperator,
    EmptyOperator,
    PythonOperator,
    ShortCircuitOperator,
)

LOGICAL = datetime(2024, 3, 5, 6, 7, 8, tzinfo=UTC)


@pytest.fixture
def backend() -> Iterator[MemoryBackend]:
    b = MemoryBackend()
    set_backend(b)
    yield b
    set_backend(None)
    clear_secrets()


def run_one(
    dag: DAG, task_id: str, *, conf: dict | None = None, try_number: int = 1, max_tries: int = 0
):
    the_task = dag.get_task(task_id)
    run = RunInfo(
        dag_id=dag.dag_id,
        run_id="scheduled__x",
        logical_date=LOGICAL,
        data_interval_start=LOGICAL,
        data_interval_end=LOGICAL + timedelta(days=1),
        run_type="scheduled",
        external_trigger=False,
        conf=conf or {},
    )
    ti = TIInfo(task_id=task_id, try_number=try_number, max_tries=max_tries)
    return execute_task(the_task, build_context(dag=dag, task=the_task, run=run, ti=ti))


def test_context_keys_and_rendered_fields(backend: MemoryBackend) -> None:
    backend.variables["who"] = "world"
    backend.variables["cfg"] = '{"n": 3}'
    with DAG("d", schedule=None, start_date=LOGICAL, params={"p": 1}) as d:
        BashOperator(
            task_id="b",
            bash_command=(
                "echo {{ ds }} {{ ds_nodash }} {{ ts_nodash }} {{ next_ds }} {{ params.p }} "
                "{{ var.value.who }} {{ var.json.cfg.n }} {{ macros.ds_add(ds, 1) }} "
                "{{ dag_run.run_type }} {{ ti.try_number }} {{ logical_date | ts_nodash_with_tz }}"
            ),
            env={"X": "{{ run_id }}"},
        )
    outcome = run_one(d, "b", conf={"p": 2})
    assert outcome.state == "success", outcome.error
    expected = (
        "2024-03-05 20240305 20240305T060708 2024-03-06 2 world 3 2024-03-06 "
        "scheduled 1 20240305T060708+0000"
    )
    assert outcome.rendered_fields == {
        "bash_command": "echo " + expected,
        "env": {"X": "scheduled__x"},
        "cwd": None,
    }
    assert outcome.return_value == expected
    assert (
        backend.xcom_pull(dag_id="d", run_id="scheduled__x", task_id="b", key="return_value")
        == expected
    )
    assert d.get_task("b").bash_command.startswith("echo {{")  # parsed DAG untouched


def test_undefined_template_variable_fails(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        BashOperator(task_id="b", bash_command="echo {{ nope }}")
    outcome = run_one(d, "b")
    assert outcome.state == "failed" and "'nope' is undefined" in outcome.error


def test_native_rendering_and_templates_dict(backend: MemoryBackend) -> None:
    seen: dict[str, Any] = {}

    def fn(values, templates_dict, ds):
        seen.update(values=values, td=templates_dict, ds=ds)

    with DAG("d", schedule=None, start_date=LOGICAL, render_template_as_native_obj=True) as d:
        PythonOperator(
            task_id="p",
            python_callable=fn,
            op_args=["{{ [1, 2] }}"],
            templates_dict={"when": "{{ ds }}"},
        )
    assert run_one(d, "p").state == "success"
    assert seen == {"values": [1, 2], "td": {"when": "2024-03-05"}, "ds": "2024-03-05"}


def test_python_callable_gets_only_accepted_context(backend: MemoryBackend) -> None:
    got: list[Any] = []
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        PythonOperator(
            task_id="a",
            python_callable=lambda x, ti: got.append((x, ti.task_id)),
            op_kwargs={"x": 5},
        )
        PythonOperator(task_id="b", python_callable=lambda **kw: got.append(sorted(kw)[:3]))
    run_one(d, "a")
    run_one(d, "b")
    assert got[0] == (5, "a")
    assert got[1] == ["conf", "conn", "dag"]


def test_xcom_pull_forms(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        PythonOperator(task_id="one", python_callable=lambda: 1)
        PythonOperator(task_id="two", python_callable=lambda ti: ti.xcom_push("k", "v"))
        PythonOperator(
            task_id="pull",
            python_callable=lambda ti: [
                ti.xcom_pull(task_ids="one"),
                ti.xcom_pull(task_ids=["one", "two"]),
                ti.xcom_pull(key="k"),
            ],
        ).set_upstream([d.get_task("one"), d.get_task("two")])
    for t in ("one", "two", "pull"):
        run_one(d, t)
    assert run_one(d, "pull").return_value == [1, [1, None], "v"]


def test_do_xcom_push_false_and_none_result(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        PythonOperator(task_id="a", python_callable=lambda: 1, do_xcom_push=False)
        PythonOperator(task_id="b", python_callable=lambda: None)
    run_one(d, "a")
    run_one(d, "b")
    assert backend.xcoms == {}


def test_fail_exception_is_not_retryable_and_callbacks_run(backend: MemoryBackend) -> None:
    calls: list[str] = []

    def boom():
        raise AirflowFailException("stop")

    def crashing_callback(context):
        raise RuntimeError("callback errors never change the outcome")

    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        PythonOperator(
            task_id="f",
            python_callable=boom,
            on_failure_callback=[lambda c: calls.append(str(c["exception"])), crashing_callback],
            on_execute_callback=lambda c: calls.append("exec"),
        )
        PythonOperator(
            task_id="r",
            python_callable=lambda: 1 / 0,
            retries=1,
            on_retry_callback=lambda c: calls.append("retry"),
            on_failure_callback=lambda c: calls.append("final"),
        )
        PythonOperator(
            task_id="s", python_callable=lambda: 1, on_success_callback=lambda c: calls.append("ok")
        )
    outcome = run_one(d, "f")
    assert (outcome.state, outcome.retryable) == ("failed", False)
    assert "AirflowFailException: stop" in outcome.error
    retry = run_one(d, "r", try_number=1, max_tries=1)
    assert (retry.state, retry.retryable) == ("failed", True)
    run_one(d, "r", try_number=2, max_tries=1)
    assert run_one(d, "s").state == "success"
    assert calls == ["exec", "stop", "retry", "final", "ok"]


def test_execution_timeout(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        PythonOperator(
            task_id="slow",
            python_callable=lambda: time.sleep(5),
            execution_timeout=timedelta(seconds=0.2),
        )
    start = time.monotonic()
    outcome = run_one(d, "slow")
    assert time.monotonic() - start < 2
    assert outcome.state == "failed" and outcome.retryable and "AirflowTaskTimeout" in outcome.error


def test_branch_and_short_circuit_outcomes(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        br = BranchPythonOperator(task_id="br", python_callable=lambda: ["x"])
        br >> [EmptyOperator(task_id="x"), EmptyOperator(task_id="y")]
        ShortCircuitOperator(task_id="sc", python_callable=lambda: False)
        ShortCircuitOperator(
            task_id="sc2", python_callable=lambda: [], ignore_downstream_trigger_rules=False
        )
        ShortCircuitOperator(task_id="sc3", python_callable=lambda: True)
    assert run_one(d, "br").follow_task_ids == ["x"]
    assert run_one(d, "sc").skip_downstream is True
    sc2 = run_one(d, "sc2")
    assert (sc2.skip_downstream, sc2.follow_task_ids) == (False, [])
    sc3 = run_one(d, "sc3")
    assert (sc3.skip_downstream, sc3.follow_task_ids) == (False, None)


def test_get_current_context_inside_task(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:

        @task
        def who():
            return get_current_context()["ti"].task_id

        who()
    assert run_one(d, "who").return_value == "who"


def test_rendered_fields_redact_secrets(backend: MemoryBackend) -> None:
    backend.variables["db_password"] = "hunter2hunter2"
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        BashOperator(task_id="b", bash_command="echo {{ var.value.db_password }}")
    outcome = run_one(d, "b")
    assert outcome.rendered_fields["bash_command"] == "echo ***"


def test_bash_streams_output_env_and_cwd(
    backend: MemoryBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        BashOperator(
            task_id="b",
            bash_command="echo one; echo $FOO; pwd; echo $AIRFLOW_CTX_DAG_ID",
            env={"FOO": "bar"},
            cwd=str(tmp_path),
        )
    outcome = run_one(d, "b")
    out = capsys.readouterr().out
    assert ["one", "bar", str(tmp_path), "d"] == [
        ln for ln in out.splitlines() if ln in ("one", "bar", str(tmp_path), "d")
    ]
    assert outcome.return_value == "d"


def test_bash_nonzero_exit_message(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        BashOperator(task_id="b", bash_command="exit 5")
    outcome = run_one(d, "b")
    assert "Bash command failed. The command returned a non-zero exit code 5." in outcome.error


def _alive(pid: int) -> bool:
    """Running (a killed orphan may stay a zombie until init reaps it: that counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_sigterm_kills_bash_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "child.pid"
    script = textwrap.dedent(f"""
        from datetime import datetime, timezone
        from crosswind import DAG
        from crosswind.dags.context import RunInfo, TIInfo, build_context
        from crosswind.dags.runtime import MemoryBackend, set_backend
        from crosswind.execution.task_execute import execute_task
        from crosswind.operators import BashOperator
        set_backend(MemoryBackend())
        with DAG("d", schedule=None) as d:
            t = BashOperator(task_id="b", bash_command="sleep 300 & echo $! > {pidfile}; wait")
        now = datetime.now(timezone.utc)
        run = RunInfo(dag_id="d", run_id="r", logical_date=now)
        execute_task(t, build_context(dag=d, task=t, run=run, ti=TIInfo("b")))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script])
    deadline = time.monotonic() + 20
    while not (pidfile.exists() and pidfile.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    sleeper = int(pidfile.read_text())
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) == -signal.SIGTERM
    for _ in range(100):
        if not _alive(sleeper):
            break
        time.sleep(0.05)
    else:
        os.kill(sleeper, signal.SIGKILL)
        pytest.fail("the bash child survived SIGTERM of the task process")


def test_template_file_relative_to_dag_file(backend: MemoryBackend, tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_text("echo from file {{ ds }}\n")
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        BashOperator(task_id="b", bash_command="run.sh")
    d.fileloc = str(tmp_path / "dag.py")
    outcome = run_one(d, "b")
    assert outcome.return_value == "from file 2024-03-05"


def test_templates_are_sandboxed(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        BashOperator(task_id="b", bash_command="echo {{ ''.__class__.__mro__ }}")
    outcome = run_one(d, "b")
    assert outcome.state == "failed" and "SecurityError" in outcome.error


def test_sys_exit_in_task_is_a_failure(backend: MemoryBackend) -> None:
    with DAG("d", schedule=None, start_date=LOGICAL) as d:
        PythonOperator(task_id="p", python_callable=lambda: sys.exit(2))
    outcome = run_one(d, "p")
    assert outcome.state == "failed" and "SystemExit: 2" in outcome.error
