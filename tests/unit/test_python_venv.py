"""PythonVirtualenvOperator / ExternalPythonOperator authoring and local runs (dag.test())
without downloads: empty requirements, the worker's own interpreter."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from crosswind.dags import airflow_shim
from crosswind.dags.runtime import MemoryBackend, set_backend

airflow_shim.install()

from airflow import DAG  # noqa: E402
from airflow.decorators import task  # noqa: E402
from airflow.exceptions import AirflowException  # noqa: E402
from airflow.operators.python import (  # noqa: E402
    ExternalPythonOperator,
    PythonVirtualenvOperator,
    is_venv_installed,
)

START = datetime(2024, 1, 1)


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryBackend]:
    monkeypatch.setenv("CROSSWIND_HOME", str(tmp_path))
    b = MemoryBackend()
    yield b
    set_backend(None)


def _xcoms(b: MemoryBackend) -> dict[str, object]:
    return {k[2]: json.loads(v) for k, v in b.xcoms.items() if k[3] == "return_value"}


def greet(name, ds=None, params=None):
    import sys

    print("inside", sys.prefix)
    return f"{name}/{len(ds)}/{params['p']}/{virtualenv_string_args}"  # noqa: F821


def test_venv_and_external_python_run_the_function(backend: MemoryBackend,
                                                   tmp_path: Path) -> None:
    assert is_venv_installed()
    with DAG("venvs", start_date=START, schedule=None, params={"p": 7}) as d:
        PythonVirtualenvOperator(task_id="venv", python_callable=greet, op_args=["a"],
                                 string_args=["s1"])
        ExternalPythonOperator(task_id="ext", python=sys.executable, python_callable=greet,
                               op_kwargs={"name": "{{ params.p }}"})

        @task.virtualenv
        def deco(x: int) -> dict:
            return {"sum": x + 1}

        deco(41)
    assert d.test(backend=backend) == {"venv": "success", "ext": "success", "deco": "success"}
    assert _xcoms(backend) == {"venv": "a/10/7/['s1']", "ext": "7/10/7/[]",
                               "deco": {"sum": 42}}
    assert len(list((tmp_path / "venvs").iterdir())) == 1  # one cached venv


def test_clear_failures(backend: MemoryBackend) -> None:
    with pytest.raises(AirflowException, match="only supports functions"):
        PythonVirtualenvOperator(task_id="l", python_callable=lambda: 1)
    with DAG("venv_fail", start_date=START, schedule=None) as d:
        PythonVirtualenvOperator(task_id="old_python", python_callable=greet,
                                 python_version="2.1")
        ExternalPythonOperator(task_id="no_python", python="/nonexistent/python",
                               python_callable=greet)

        @task.virtualenv
        def boom() -> None:
            raise RuntimeError("inner failure")

        boom()
    assert d.test(backend=backend) == {"old_python": "failed", "no_python": "failed",
                                       "boom": "failed"}


def test_branch_virtualenv_follows_the_returned_task(backend: MemoryBackend) -> None:
    from airflow.operators.empty import EmptyOperator

    with DAG("venv_branch", start_date=START, schedule=None) as d:
        @task.branch_external_python(python=sys.executable)
        def pick() -> str:
            return "left"

        pick() >> [EmptyOperator(task_id="left"), EmptyOperator(task_id="right")]
    assert d.test(backend=backend) == {"pick": "success", "left": "success", "right": "skipped"}
