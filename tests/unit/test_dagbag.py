"""DagBag, the DAG import test teams write, on our corpus of good and broken files."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CORPUS = Path(__file__).parents[1] / "dag_corpus"


def test_dagbag_collects_dags_and_import_errors(tmp_path: Path) -> None:
    from airflow.models import DagBag

    good = DagBag(dag_folder=CORPUS / "good", include_examples=False)
    assert not good.import_errors, good.import_errors
    assert good.size() == len(good.dag_ids) > 3
    assert good.get_dag("corpus_airflow_classic") is not None
    assert good.get_dag("no_such_dag") is None
    # Files that fail by raising (not those that exit or hang: in-process, as on Airflow).
    names = ["bad_cron.py", "cycle.py", "missing_module.py", "syntax_error.py"]
    for name in names:
        shutil.copy(CORPUS / "broken" / name, tmp_path / name)
    broken = DagBag(dag_folder=str(tmp_path), include_examples=False)
    assert broken.size() == 0
    assert sorted(Path(p).name for p in broken.import_errors) == names


def test_a_teams_dag_import_test_runs_under_plain_pytest(tmp_path: Path) -> None:
    (tmp_path / "dags").mkdir()
    (tmp_path / "dags" / "ok.py").write_text(
        "from datetime import datetime\nfrom airflow import DAG\n"
        "from airflow.operators.empty import EmptyOperator\n"
        "with DAG('ok', schedule='@daily', start_date=datetime(2024, 1, 1)):\n"
        "    EmptyOperator(task_id='t')\n")
    (tmp_path / "dags" / "typo.py").write_text(
        "from airflow import DAG\nwith DAG('typo', schedule='@dialy'):\n    pass\n")
    (tmp_path / "test_dags.py").write_text(
        "from airflow.models import DagBag\n"
        "def test_no_import_errors():\n"
        "    bag = DagBag(dag_folder='dags', include_examples=False)\n"
        "    for path, error in bag.import_errors.items():\n"
        "        print(path, error)\n"
        "    assert bag.import_errors == {}\n")
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider",
                          "test_dags.py"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "typo.py" in out.stdout and "Invalid cron expression '@dialy'" in out.stdout
