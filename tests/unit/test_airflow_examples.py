"""Airflow 2.11.2's own example DAGs that use only features Crosswind provides parse with
our DagBag and end, under dag.test(), in the task states Airflow 2.11.2 gave them.

The example files are read from an installed Airflow (never copied here): set
AIRFLOW_EXAMPLE_DAGS to its `airflow/example_dags` folder; the test skips without one.
The expected states (data/airflow_example_end_states.json) were measured by running
the same dag.test() call on Airflow 2.11.2, one process per file."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosswind.dags.dagbag import DagBag
from crosswind.dags.exceptions import ParamValidationError
from crosswind.dags.runtime import MemoryBackend, set_backend

EXAMPLES = Path(os.environ.get(
    "AIRFLOW_EXAMPLE_DAGS",
    "/work/afvenv/lib/python3.11/site-packages/airflow/example_dags"))
EXPECTED = json.loads((Path(__file__).parent / "data" / "airflow_example_end_states.json")
                      .read_text())["files"]
WHEN = datetime(2024, 1, 2, tzinfo=UTC)

pytestmark = pytest.mark.skipif(not EXAMPLES.is_dir(),
                                reason=f"no Airflow example DAGs at {EXAMPLES}")


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("CROSSWIND_HOME", str(tmp_path))
    yield tmp_path
    set_backend(None)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_ends_as_on_airflow(name: str, home: Path) -> None:
    bag = DagBag(EXAMPLES / name, include_examples=False)
    assert bag.import_errors == {}
    assert sorted(bag.dags) == sorted(EXPECTED[name])
    for dag_id, expected in EXPECTED[name].items():
        states = bag.dags[dag_id].test(execution_date=WHEN, backend=MemoryBackend())
        assert states == expected, dag_id


def test_params_ui_tutorial_refuses_a_run_without_its_required_param(home: Path) -> None:
    bag = DagBag(EXAMPLES / "example_params_ui_tutorial.py", include_examples=False)
    [dag] = bag.dags.values()
    with pytest.raises(ParamValidationError,
                       match="Invalid input for param required_field: No value passed"):
        dag.test(execution_date=WHEN, backend=MemoryBackend())
