"""Mapped task groups in DAG.test() and at parse time, checked against Airflow 2.11.2's
dag.test() on the same DAG files (per-index states and XComs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crosswind.dags.dagbag import DagBag
from crosswind.dags.local_run import run_dag_locally
from crosswind.dags.runtime import MemoryBackend

DAGS = Path(__file__).parents[1] / "mapping" / "dags"


def _run(name: str) -> tuple[dict[str, str], dict[str, list[str]], dict]:
    bag = DagBag(str(DAGS / f"{name}.py"), include_examples=False)
    assert not bag.import_errors, bag.import_errors
    backend, per_index = MemoryBackend(), {}
    states = run_dag_locally(bag.dags[name], backend=backend, map_states=per_index)
    xcoms = {(k[2], k[4]): json.loads(v) for k, v in backend.xcoms.items()
             if k[3] == "return_value"}
    return states, per_index, xcoms


def test_group_tasks_run_per_index_and_reduce_after() -> None:
    states, per_index, xcoms = _run("map_group")
    assert per_index["grp.check"] == ["success", "failed", "success"]
    assert per_index["grp.after"] == ["success"] * 3
    assert xcoms[("grp.after", 1)] == -1
    assert xcoms[("total", -1)] == [-1, 1011, 1031]
    assert xcoms[("strict", -1)] == [1011, -1, 1031]
    assert states["strict"] == "success"


def test_group_expand_kwargs_and_literals() -> None:
    states, per_index, xcoms = _run("map_group_kwargs")
    assert [xcoms[("labels.join", i)] for i in (0, 1)] == ["x-1", "y-2"]
    assert per_index["labels.shout"] == ["failed", "failed"]  # pushes a str to map over
    assert states["again"] == "upstream_failed"
    assert xcoms[("tot", -1)] == 36


@pytest.mark.parametrize(("body", "error"), [
    ("@task(trigger_rule='always')\n    def t(x): return x\n    t(x)",
     "not allowed with trigger rule 'always'"),
    ("@task\n    def t(x): return x\n    t.expand(x=[x])", "not supported by Crosswind"),
])
def test_group_refusals_are_import_errors(tmp_path: Path, body: str, error: str) -> None:
    (tmp_path / "bad.py").write_text(
        "from datetime import datetime\n"
        "from airflow.decorators import dag, task, task_group\n"
        "@dag(schedule=None, start_date=datetime(2024, 1, 1))\n"
        "def bad():\n"
        "  @task_group\n"
        "  def g(x):\n"
        f"    {body}\n"
        "  g.expand(x=[1, 2])\n"
        "bad()\n")
    bag = DagBag(str(tmp_path), include_examples=False)
    assert error in "".join(bag.import_errors.values())
