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
    with pytest.raises(ModuleNotFoundError, match=r"airflow\.sensors"):
        importlib.import_module("airflow.sensors.external_task")


def test_missing_name_is_a_normal_import_error() -> None:
    with pytest.raises(
        ImportError, match=r"cannot import name 'Nope' from 'airflow\.operators\.bash'"
    ):
        exec("from airflow.operators.bash import Nope", {})


def test_non_airflow_imports_untouched() -> None:
    with pytest.raises(ModuleNotFoundError, match="airflowish_nothing"):
        importlib.import_module("airflowish_nothing")


@pytest.mark.parametrize(
    "start",
    [
        "pendulum.datetime(2024, 1, 2, tz='Europe/Amsterdam')",
        "datetime.datetime(2024, 1, 2, tzinfo=pendulum.timezone('Europe/Amsterdam'))",
        "datetime.datetime(2024, 1, 2, tzinfo=Timezone('Europe/Amsterdam'))",
        "datetime.datetime(2024, 1, 2, tzinfo=ZoneInfo('Europe/Amsterdam'))",
    ],
)
def test_a_dag_takes_the_time_zone_of_its_start_date(start: str) -> None:
    scope: dict = {}
    exec(  # the imports and date a DAG file writes
        "import datetime, pendulum\n"
        "from zoneinfo import ZoneInfo\n"
        "from pendulum.tz.timezone import Timezone\n"
        "from airflow import DAG\n"
        f"dag = DAG('tz', schedule='0 6 * * *', start_date={start})\n",
        scope,
    )
    dag = scope["dag"]
    assert dag.timezone.name == "Europe/Amsterdam"
    assert dag.start_date.isoformat() == "2024-01-01T23:00:00+00:00"  # stored in UTC
    assert dag.schedule_info["timezone"] == "Europe/Amsterdam"


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


def test_python_my_dag_py_imports_airflow_from_crosswind(tmp_path) -> None:
    import subprocess
    import sys

    dag_file = tmp_path / "my_dag.py"
    dag_file.write_text(
        "from datetime import datetime\n"
        "from airflow import DAG\n"
        "from airflow.operators.bash import BashOperator\n"
        "with DAG('mine', schedule=None, start_date=datetime(2024, 1, 1)) as dag:\n"
        "    BashOperator(task_id='hi', bash_command='echo hi')\n"
        "if __name__ == '__main__':\n"
        "    print(dag.test())\n"
    )
    out = subprocess.run([sys.executable, str(dag_file)], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "'hi': 'success'" in out.stdout
    # A real Airflow in the venv (here: a package first on sys.path) wins over the shim.
    (tmp_path / "real" / "airflow").mkdir(parents=True)
    (tmp_path / "real" / "airflow" / "__init__.py").write_text("REAL = True\n")
    out = subprocess.run([sys.executable, "-c", "import airflow; print(airflow.REAL)"],
                         capture_output=True, text=True, timeout=60,
                         env={"PYTHONPATH": str(tmp_path / "real"), "PATH": "/usr/bin:/bin"})
    assert out.stdout.strip() == "True", out.stderr
