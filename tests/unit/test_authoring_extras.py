"""Issue 10 item 3 authoring features, checked against Airflow 2.11.2's dag.test():
@task.bash, BashSensor, FileSensor, display names, Jinja options, task groups called
twice, chain_linear / Label, SLA warnings."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crosswind.dags import airflow_shim
from crosswind.dags.baseoperator import SlaNotEnforcedWarning
from crosswind.dags.runtime import MemoryBackend, set_backend
from crosswind.dags.serialize import serialize_dag

airflow_shim.install()

from airflow import DAG  # noqa: E402
from airflow.decorators import dag, task, task_group  # noqa: E402
from airflow.models.baseoperator import chain, chain_linear, cross_downstream  # noqa: E402
from airflow.operators.bash import BashOperator  # noqa: E402
from airflow.operators.empty import EmptyOperator  # noqa: E402
from airflow.operators.python import PythonOperator  # noqa: E402
from airflow.sensors.bash import BashSensor  # noqa: E402
from airflow.sensors.filesystem import FileSensor  # noqa: E402
from airflow.utils.edgemodifier import Label  # noqa: E402

START = datetime(2024, 1, 1)


@pytest.fixture
def backend() -> Iterator[MemoryBackend]:
    b = MemoryBackend()
    yield b
    set_backend(None)


def xcom(backend: MemoryBackend, task_id: str) -> Any:
    found = [json.loads(v) for k, v in backend.xcoms.items()
             if k[2] == task_id and k[3] == "return_value"]
    return found[0] if found else None


def test_bash_pushes_last_line_and_empty_string(backend: MemoryBackend) -> None:
    with DAG("bash_xcom", start_date=START, schedule=None) as d:
        BashOperator(task_id="two_lines", bash_command="echo one; echo two")
        BashOperator(task_id="silent", bash_command="true")
    assert d.test(backend=backend) == {"two_lines": "success", "silent": "success"}
    assert xcom(backend, "two_lines") == "two"
    assert xcom(backend, "silent") == ""


def test_task_bash_runs_what_the_function_returns(backend: MemoryBackend) -> None:
    @dag(start_date=START, schedule=None)
    def bash_deco() -> None:
        @task
        def word() -> str:
            return "hello"

        @task.bash
        def shout(w: str) -> str:
            return f"echo {w.upper()}"

        @task.bash
        def nothing() -> str:
            return "  "

        shout(word())
        nothing()

    states = bash_deco().test(backend=backend)
    assert states == {"word": "success", "shout": "success", "nothing": "failed"}
    assert xcom(backend, "shout") == "HELLO"


def test_bash_sensor_exit_codes(backend: MemoryBackend) -> None:
    with DAG("bash_sensor", start_date=START, schedule=None) as d:
        BashSensor(task_id="ok", bash_command="exit 0", poke_interval=0.01, timeout=5)
        BashSensor(task_id="never", bash_command="exit 1", poke_interval=0.01, timeout=0.1)
        BashSensor(task_id="hard", bash_command="exit 3", retry_exit_code=1,
                   poke_interval=0.01, timeout=5, retries=2)
    assert d.test(backend=backend) == {"ok": "success", "never": "failed", "hard": "failed"}


def test_file_sensor_uses_fs_default_base_path(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "data.csv").write_text("x")
    b = MemoryBackend(connections={"fs_default": {"conn_type": "fs",
                                                  "extra": json.dumps({"path": str(tmp_path)})}})
    with DAG("file_sensor", start_date=START, schedule=None) as d:
        FileSensor(task_id="file", filepath="sub/data.csv", poke_interval=0.01, timeout=5)
        FileSensor(task_id="glob", filepath="sub/*.csv", poke_interval=0.01, timeout=5)
        FileSensor(task_id="folder", filepath="sub", poke_interval=0.01, timeout=5)
        FileSensor(task_id="absent", filepath="nope.txt", poke_interval=0.01, timeout=0.1)
    assert d.test(backend=b) == {"file": "success", "glob": "success", "folder": "success",
                                 "absent": "failed"}
    set_backend(None)


def test_file_sensor_without_fs_default_fails_like_airflow(backend: MemoryBackend) -> None:
    with DAG("file_sensor_noconn", start_date=START, schedule=None) as d:
        FileSensor(task_id="s", filepath="/etc/hostname", poke_interval=0.01, timeout=1)
    assert d.test(backend=backend) == {"s": "failed"}


def test_display_names_and_docs_are_serialized() -> None:
    with DAG("disp", start_date=START, schedule=None, dag_display_name="Nice DAG",
             doc_md="# Title") as d:
        named = EmptyOperator(task_id="t", task_display_name="Nice task", doc="plain")
        plain = EmptyOperator(task_id="u")
    assert (d.dag_display_name, named.task_display_name, plain.task_display_name) == (
        "Nice DAG", "Nice task", "u")
    doc = serialize_dag(d)
    assert doc["dag_display_name"] == "Nice DAG"
    tasks = {t["task_id"]: t for t in doc["tasks"]}
    assert tasks["t"]["task_display_name"] == "Nice task"
    assert tasks["t"]["doc_md"] == "plain"
    assert tasks["u"]["task_display_name"] == "u"


def test_user_filters_macros_native_and_searchpath(tmp_path: Path, backend: MemoryBackend) -> None:
    (tmp_path / "query.sql").write_text("SELECT '{{ params.table | shout }}'")
    (tmp_path / "script.sh").write_text("echo {{ greeting }}-{{ ds_nodash | length }}\n")

    def take(value: Any) -> Any:
        return value

    with DAG("jinja", start_date=START, schedule=None, template_searchpath=str(tmp_path),
             user_defined_filters={"shout": str.upper}, user_defined_macros={"greeting": "hi"},
             params={"table": "users"}) as d:
        BashOperator(task_id="sh", bash_command="script.sh")
        SqlLike(task_id="sql_file", sql="query.sql")
    with DAG("native", start_date=START, schedule=None, render_template_as_native_obj=True) as n:
        PythonOperator(task_id="n", python_callable=take, op_args=["{{ [1, 2] }}"])
    assert d.test(backend=backend) == {"sh": "success", "sql_file": "success"}
    assert xcom(backend, "sh") == "hi-8"
    assert xcom(backend, "sql_file") == "SELECT 'USERS'"
    assert n.test(backend=backend) == {"n": "success"}
    assert xcom(backend, "n") == [1, 2]


class SqlLike(EmptyOperator):
    """An operator with a .sql template file field, like the SQL providers' operators."""

    template_fields = ("sql",)
    template_ext = (".sql",)

    def __init__(self, *, sql: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sql = sql

    def execute(self, context: Any) -> str:
        return self.sql


def test_task_group_function_called_twice_gets_suffixes() -> None:
    @dag(start_date=START, schedule=None)
    def groups() -> None:
        @task
        def one() -> int:
            return 1

        @task_group
        def g() -> None:
            one()

        g() >> g() >> g()

    d = groups()
    assert sorted(d.task_ids) == ["g.one", "g__1.one", "g__2.one"]
    assert d.task_dict["g.one"].downstream_task_ids == {"g__1.one"}


def test_chain_linear_cross_downstream_and_labels() -> None:
    with DAG("wiring", start_date=START, schedule=None) as d:
        a, b, c, e, f, g, h = (EmptyOperator(task_id=x) for x in "abcefgh")
        chain_linear(a, [b, c], e)
        cross_downstream([b, c], [f])
        e >> Label("why") >> g
        chain(g, Label("then"), h)
    edges = sorted((t.task_id, sorted(t.downstream_task_ids)) for t in d.tasks)
    # Same edges as Airflow 2.11.2 builds for this file.
    assert edges == [("a", ["b", "c"]), ("b", ["e", "f"]), ("c", ["e", "f"]), ("e", ["g"]),
                     ("f", []), ("g", ["h"]), ("h", [])]
    with pytest.raises(ValueError, match="No dependencies"):
        chain_linear(a)


def test_sla_is_accepted_with_a_warning() -> None:
    with pytest.warns(SlaNotEnforcedWarning, match="DAG sla"):
        d = DAG("sla", start_date=START, schedule=None, sla_miss_callback=lambda *a: None)
    with d, pytest.warns(SlaNotEnforcedWarning, match="task t"):
        EmptyOperator(task_id="t", sla=timedelta(minutes=5))
    assert "t" in d.task_dict


def test_task_callback_lists_all_run(backend: MemoryBackend) -> None:
    calls: list[str] = []
    with DAG("cb", start_date=START, schedule=None,
             on_success_callback=[lambda c: calls.append(f"dag {c['reason']}")],
             on_failure_callback=lambda c: calls.append("dag failed")) as d:
        PythonOperator(task_id="t", python_callable=lambda: 1,
                       on_success_callback=[lambda c: calls.append("a"),
                                            lambda c: calls.append("b")])
    assert d.test(backend=backend) == {"t": "success"}
    assert calls == ["a", "b", "dag success"]  # dag.test() calls the DAG's, as Airflow


def test_models_names_and_unprovided_names() -> None:
    import airflow.models as models
    from airflow.models.pool import Pool

    for name in ("DAG", "BaseOperator", "TaskInstance", "DagRun", "XCom", "Variable",
                 "Connection", "Param", "Pool", "DagBag"):
        assert hasattr(models, name), name
    assert Pool.DEFAULT_POOL_NAME == "default_pool"
    with pytest.raises(ImportError, match=r"'Nope' from 'airflow\.models' \(Crosswind does not"):
        exec("from airflow.models import Nope", {})
    assert not hasattr(models, "_private")
    from airflow.exceptions import AirflowDagInconsistent, RemovedInAirflow3Warning
    from airflow.utils.types import DagRunType

    assert DagRunType.MANUAL == "manual" and issubclass(RemovedInAirflow3Warning, Warning)
    assert issubclass(AirflowDagInconsistent, Exception)


SUBDAG_FILE = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.operators.subdag import SubDagOperator


def make_subdag(parent, child, fail):
    with DAG(f"{parent}.{child}", start_date=datetime(2024, 1, 1), schedule="@daily") as sub:
        first = BashOperator(task_id="first", bash_command="echo sub-{{ ds }}")
        first >> BashOperator(task_id="second", bash_command="exit 1" if fail else "true")
    return sub


with DAG("parent", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    ok = SubDagOperator(task_id="ok", subdag=make_subdag("parent", "ok", False))
    bad = SubDagOperator(task_id="bad", subdag=make_subdag("parent", "bad", True))
    ok >> EmptyOperator(task_id="after")
'''


def test_subdag_operator_runs_its_subdag(tmp_path: Path, backend: MemoryBackend,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from crosswind.dags.parser import load_dag_file

    path = tmp_path / "parent_dag.py"
    path.write_text(SUBDAG_FILE)
    [parent] = load_dag_file(str(path))  # the sub-DAGs are not DAGs of their own
    assert parent.dag_id == "parent"
    states = parent.test(logical_date=datetime(2024, 3, 1), backend=backend)
    assert states == {"ok": "success", "bad": "failed", "after": "success"}
    assert "sub-2024-03-01" in capsys.readouterr().out


def test_subdag_id_must_be_parent_dot_task() -> None:
    from airflow.exceptions import AirflowException
    from airflow.operators.subdag import SubDagOperator

    with DAG("p", start_date=START, schedule=None), pytest.raises(
            AirflowException, match=r"Expected 'p\.s'; received 'other'"):
        SubDagOperator(task_id="s", subdag=DAG("other", start_date=START, schedule=None))


def test_python_my_dag_py_prints_task_logs_and_the_failing_traceback(tmp_path: Path) -> None:
    import subprocess
    import sys

    dag_file = tmp_path / "my_dag.py"
    dag_file.write_text(
        "from datetime import datetime\n"
        "from airflow.decorators import dag, task\n"
        "@dag(start_date=datetime(2024, 1, 1), schedule=None)\n"
        "def mine():\n"
        "    @task\n"
        "    def ok():\n"
        "        print('printing from ok')\n"
        "        return 1\n"
        "    @task\n"
        "    def bad(x):\n"
        "        raise ValueError(f'bad value {x}')\n"
        "    bad(ok())\n"
        "if __name__ == '__main__':\n"
        "    mine().test()\n")
    out = subprocess.run([sys.executable, str(dag_file)], capture_output=True, text=True,
                         timeout=60, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr
    assert "Running task ok (try 1) of mine" in out.stdout
    assert "printing from ok" in out.stdout
    assert "Traceback (most recent call last)" in out.stdout
    assert "ValueError: bad value 1" in out.stdout
    assert "Task bad ended failed" in out.stdout
