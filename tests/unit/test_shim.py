"""`import airflow...` served by the Crosswind shim."""

from __future__ import annotations

import importlib
import sys

import pytest

from crosswind.dags import airflow_shim
from crosswind.dags.baseoperator import BaseOperator, chain
from crosswind.dags.dag import DAG
from crosswind.dags.operators.bash import BashOperator
from crosswind.dags.operators.empty import DummyOperator, EmptyOperator
from crosswind.dags.operators.python import PythonOperator

airflow_shim.install()


def test_install_is_idempotent() -> None:
    airflow_shim.install()
    airflow_shim.install()
    assert sum(1 for f in sys.meta_path if f is airflow_shim._finder) == 1


@pytest.mark.parametrize(
    ("module", "name", "expected"),
    [
        ("airflow", "DAG", DAG),
        ("airflow.models", "DAG", DAG),
        ("airflow.models", "BaseOperator", BaseOperator),
        ("airflow.models.dag", "DAG", DAG),
        ("airflow.models.baseoperator", "chain", chain),
        ("airflow.operators.bash", "BashOperator", BashOperator),
        ("airflow.operators.bash_operator", "BashOperator", BashOperator),
        ("airflow.operators.python", "PythonOperator", PythonOperator),
        ("airflow.operators.python_operator", "PythonOperator", PythonOperator),
        ("airflow.operators.empty", "EmptyOperator", EmptyOperator),
        ("airflow.operators.dummy", "DummyOperator", DummyOperator),
        ("airflow.operators.dummy_operator", "DummyOperator", DummyOperator),
    ],
)
def test_airflow_paths_resolve_to_crosswind(module: str, name: str, expected: object) -> None:
    assert getattr(importlib.import_module(module), name) is expected


def test_every_mapped_module_imports() -> None:
    for module in airflow_shim.MODULES:
        importlib.import_module(module)
    from airflow.decorators import dag, task  # noqa: F401
    from airflow.exceptions import AirflowFailException, AirflowSkipException  # noqa: F401
    from airflow.hooks.base import BaseHook  # noqa: F401
    from airflow.models import Connection, Param, Variable  # noqa: F401
    from airflow.utils.dates import days_ago  # noqa: F401
    from airflow.utils.state import State
    from airflow.utils.trigger_rule import TriggerRule

    assert TriggerRule.ALL_DONE == "all_done" and State.SUCCESS == "success"
    assert importlib.import_module("airflow").__version__.startswith("2.")


def test_unprovided_module_names_itself() -> None:
    with pytest.raises(ModuleNotFoundError) as err:
        importlib.import_module("airflow.providers.amazon.aws.hooks.s3")
    assert "No module named 'airflow.providers.amazon' (Crosswind does not provide it)" in str(
        err.value
    )
    assert err.value.name == "airflow.providers.amazon"
    with pytest.raises(ModuleNotFoundError, match=r"airflow\.sensors\.filesystem_watch"):
        importlib.import_module("airflow.sensors.filesystem_watch")


def test_missing_name_is_a_normal_import_error() -> None:
    with pytest.raises(
        ImportError, match=r"cannot import name 'Nope' from 'airflow\.operators\.bash'"
    ):
        exec("from airflow.operators.bash import Nope", {})


def test_non_airflow_imports_untouched() -> None:
    with pytest.raises(ModuleNotFoundError, match="airflowish_nothing"):
        importlib.import_module("airflowish_nothing")


def test_pendulum_fallback_for_common_dag_idioms() -> None:
    import datetime as dt

    pendulum = importlib.import_module("pendulum")
    start = pendulum.datetime(2024, 1, 2, tz="UTC")
    assert start == dt.datetime(2024, 1, 2, tzinfo=dt.UTC)
    assert pendulum.duration(hours=2) == dt.timedelta(hours=2)
    assert pendulum.now().tzinfo is not None


def test_import_crosswind_stays_light() -> None:
    import subprocess

    code = (
        "import sys, crosswind, crosswind.operators, crosswind.dags.parser\n"
        "heavy = {'sqlalchemy', 'fastapi', 'starlette', 'pydantic', 'jinja2'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_typing_and_sensor_modules() -> None:
    from airflow.models.dagrun import DagRun  # noqa: F401
    from airflow.models.taskinstance import TaskInstance  # noqa: F401
    from airflow.sensors.base import BaseSensorOperator  # noqa: F401
    from airflow.sensors.python import PythonSensor  # noqa: F401
    from airflow.utils.context import Context
    from airflow.utils.edgemodifier import Label  # noqa: F401
    from airflow.utils.task_group import TaskGroup  # noqa: F401
    from airflow.utils.weight_rule import WeightRule

    assert Context is dict and WeightRule.UPSTREAM == "upstream"
