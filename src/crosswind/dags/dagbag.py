"""Airflow's DagBag, for the DAG import test every team writes:

    bag = DagBag(dag_folder="dags/", include_examples=False)
    assert not bag.import_errors

Files are imported in this process (as Airflow's DagBag does), each DAG validated and
serialized as the DAG processor would, so a test passes here exactly when the processor
would accept the file.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

from crosswind.dags.dag import DAG
from crosswind.dags.dag_files import list_dag_files
from crosswind.dags.serialize import serialize_dag


def _default_folder() -> str:
    for name in ("CROSSWIND_DAGS_FOLDER", "AIRFLOW__CORE__DAGS_FOLDER"):
        if os.environ.get(name):
            return os.environ[name]
    home = os.environ.get("CROSSWIND_HOME") or os.environ.get("AIRFLOW_HOME")
    return str(Path(home).expanduser() / "dags") if home else str(Path("~/crosswind/dags")
                                                                   .expanduser())


class DagBag:
    def __init__(self, dag_folder: str | os.PathLike[str] | None = None,
                 include_examples: bool = False, safe_mode: bool = True,
                 read_dags_from_db: bool = False, **_: Any) -> None:
        self.dag_folder = str(dag_folder) if dag_folder is not None else _default_folder()
        self.dags: dict[str, DAG] = {}
        self.import_errors: dict[str, str] = {}
        self.file_last_changed: dict[str, float] = {}
        self.collect_dags(self.dag_folder, safe_mode=safe_mode)

    def collect_dags(self, dag_folder: str | None = None, safe_mode: bool = True,
                     **_: Any) -> None:
        folder = str(dag_folder or self.dag_folder)
        paths = [folder] if os.path.isfile(folder) else list_dag_files(folder, safe_mode)
        for path in paths:
            self.process_file(path)

    def process_file(self, filepath: str, **_: Any) -> list[DAG]:
        from crosswind.dags.parser import load_dag_file

        try:
            found = load_dag_file(filepath)
            for dag in found:
                serialize_dag(dag)  # what the processor does: a bad timetable fails here
                if dag.dag_id in self.dags:
                    raise ValueError(f"Ignoring DAG {dag.dag_id} from {filepath} - also in "
                                     f"{self.dags[dag.dag_id].fileloc}")
        except Exception:  # noqa: BLE001 - every failure is the file's import error
            self.import_errors[os.path.abspath(filepath)] = traceback.format_exc()
            return []
        for dag in found:
            self.dags[dag.dag_id] = dag
        self.file_last_changed[os.path.abspath(filepath)] = os.path.getmtime(filepath)
        return found

    def get_dag(self, dag_id: str, **_: Any) -> DAG | None:
        return self.dags.get(dag_id)

    def bag_dag(self, dag: DAG, root_dag: DAG | None = None) -> None:
        self.dags[dag.dag_id] = dag

    @property
    def dag_ids(self) -> list[str]:
        return list(self.dags)

    def size(self) -> int:
        return len(self.dags)

    def __repr__(self) -> str:
        errors = len(self.import_errors)
        return f"<DagBag of {self.dag_folder}: {self.size()} DAGs, {errors} errors>"
