"""Loading DAG files: in-process (load_dag_file) and isolated in forked children.

Isolated parses (parse_files_isolated) run in forked children that import each file,
serialize its DAGs and send JSON back; parse_pool.py enforces the per-file timeout and
turns crashes, exits and hangs into an error text. Children inherit the already
imported Crosswind modules, so a file costs about what its own import costs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import traceback

from crosswind.dags import airflow_shim
from crosswind.dags.dag import DAG, DagContext
from crosswind.dags.dag_files import list_dag_files
from crosswind.dags.exceptions import AirflowDagDuplicatedIdException
from crosswind.dags.parse_pool import ParseOutcome, run_isolated
from crosswind.dags.serialize import serialize_dag
from crosswind.dags.setup_teardown import SetupTeardownContext

__all__ = [
    "ParseOutcome",
    "list_dag_files",
    "load_dag",
    "load_dag_file",
    "parse_file_isolated",
    "parse_files_isolated",
]


def module_name_for(path: str) -> str:
    """Airflow's unique module name for a DAG file: unusual_prefix_<sha1>_<stem>."""
    digest = hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()
    stem = os.path.splitext(os.path.basename(path))[0]
    return f"unusual_prefix_{digest}_{stem}"


def load_dag_file(path: str) -> list[DAG]:
    """Import a DAG file and return its validated DAGs; raises whatever the file raises."""
    path = os.path.abspath(path)
    airflow_shim.install()
    folder = os.path.dirname(path)
    if folder not in sys.path:
        sys.path.insert(0, folder)  # Airflow puts the DAGs folder on sys.path for helpers
    name = module_name_for(path)
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"Cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # Only DAGs closed while this file is imported count (a long-lived process would
    # otherwise keep every DAG it ever built alive).
    DagContext.autoregistered.clear()
    SetupTeardownContext.reset()  # a previous file may have raised inside a `with` block
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        closed = list(DagContext.autoregistered)
        DagContext.autoregistered.clear()
    found: dict[int, DAG] = {id(d): d for d in vars(module).values() if isinstance(d, DAG)}
    # `with DAG` / @dag DAGs not kept in a global count too, as with Airflow's
    # auto_register, but only those defined in this file (not in modules it imports).
    for d in closed:
        if os.path.abspath(d.fileloc or "") == path:
            found.setdefault(id(d), d)
    # A SubDagOperator's sub-DAG is part of its parent, not a DAG of its own.
    kept = [d for d in found.values() if not getattr(d, "is_subdag", False)]
    return _validated(kept, path)


def _validated(dags: list[DAG], path: str) -> list[DAG]:
    seen: set[str] = set()
    for d in dags:
        if d.dag_id in seen:
            raise AirflowDagDuplicatedIdException(
                f"Ignoring DAG {d.dag_id} from {path} - it has the same dag_id as another DAG"
            )
        seen.add(d.dag_id)
        d.fileloc = path
        d.validate()
    return sorted(dags, key=lambda d: d.dag_id)


def load_dag(path: str, dag_id: str) -> DAG:
    """The DAG dag_id from the file at path (what a task process runs); KeyError if absent."""
    for found in load_dag_file(path):
        if found.dag_id == dag_id:
            return found
    raise KeyError(f"DAG {dag_id!r} not found in {path}")


def _child_payload(path: str) -> bytes:
    try:
        dags = [serialize_dag(d) for d in load_dag_file(path)]
        return json.dumps({"dags": dags, "error": None}).encode()
    except BaseException:  # noqa: BLE001 - SystemExit and friends become the error text
        return json.dumps({"dags": [], "error": traceback.format_exc()}).encode()


def parse_file_isolated(path: str, timeout: float) -> ParseOutcome:
    """Parse one file in a forked child, killed after timeout seconds."""
    return parse_files_isolated([path], timeout, concurrency=1)[path]


def parse_files_isolated(
    paths: list[str], timeout: float, concurrency: int = 2, batch_size: int = 16
) -> dict[str, ParseOutcome]:
    """Parse many files in forked children (at most `concurrency` at a time, up to
    `batch_size` files each, timeout per file); path -> outcome. batch_size=1 gives every
    file a fresh process, as Airflow does, at several ms more per file."""
    # Import once here, not once per forked child: this is most of a child's cost.
    airflow_shim.preload()
    return run_isolated(list(paths), _child_payload, timeout, concurrency, batch_size)
