"""Put DAGs (and runs, task-instance states, XComs) straight into a test server's database.

The API reads only the store, so rows written here are exactly what the DAG processor and
the scheduler would leave; it lets API tests run without either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from crosswind.db.engine import Database
from crosswind.models import DagModel, DagRun, SerializedDag, TaskInstance, XCom
from crosswind.store import dag_runs


def task(task_id: str, downstream: Sequence[str] = (), **extra: Any) -> dict[str, Any]:
    """One task in the serialized format (upstream ids are filled in by `serialized_dag`)."""
    base = {
        "task_id": task_id,
        "task_type": "BashOperator",
        "class_ref": None,
        "owner": "airflow",
        "retries": 0,
        "retry_delay": 300.0,
        "retry_exponential_backoff": False,
        "max_retry_delay": None,
        "execution_timeout": None,
        "trigger_rule": "all_success",
        "pool": "default_pool",
        "pool_slots": 1,
        "priority_weight": 1,
        "priority_weight_total": 1,
        "weight_rule": "downstream",
        "queue": "default",
        "depends_on_past": False,
        "wait_for_downstream": False,
        "do_xcom_push": True,
        "downstream_task_ids": list(downstream),
        "upstream_task_ids": [],
        "template_fields": ["bash_command"],
        "ui_color": "#f0ede4",
        "ui_fgcolor": "#000",
        "params": {},
        "doc_md": None,
        "start_date": None,
        "end_date": None,
        "is_mapped": False,
        "extra_links": [],
    }
    base.update(extra)
    return base


def serialized_dag(
    dag_id: str, tasks: Sequence[dict[str, Any]], schedule: dict[str, Any] | None = None
) -> dict[str, Any]:
    by_id = {t["task_id"]: t for t in tasks}
    for t in tasks:
        for d in t["downstream_task_ids"]:
            by_id[d]["upstream_task_ids"].append(t["task_id"])
    return {
        "dag_id": dag_id,
        "fileloc": f"/dags/{dag_id}.py",
        "description": None,
        "doc_md": None,
        "owners": ["airflow"],
        "schedule": schedule or {"kind": "none", "value": None},
        "timetable_summary": None,
        "timetable_description": None,
        "start_date": "2024-01-01T00:00:00+00:00",
        "end_date": None,
        "catchup": False,
        "max_active_runs": 16,
        "max_active_tasks": 16,
        "dagrun_timeout": None,
        "tags": [],
        "is_paused_upon_creation": None,
        "render_template_as_native_obj": False,
        "params": {},
        "tasks": list(tasks),
    }


@contextmanager
def session(database_url: str) -> Iterator[Session]:
    db = Database(database_url, pool_size=1)
    try:
        with db.write() as s:
            yield s
    finally:
        db.dispose()


def insert_dag(database_url: str, dag: dict[str, Any], *, is_paused: bool = True) -> None:
    with session(database_url) as s:
        s.add(
            DagModel(
                dag_id=dag["dag_id"],
                fileloc=dag["fileloc"],
                is_paused=is_paused,
                is_active=True,
                owners=dag["owners"],
                tags=[],
                schedule=dag["schedule"],
            )
        )
        s.add(
            SerializedDag(dag_id=dag["dag_id"], fileloc=dag["fileloc"], data=dag, dag_hash="test")
        )


def insert_run(
    database_url: str,
    dag: dict[str, Any],
    logical_date: datetime,
    *,
    run_type: str = "scheduled",
    state: str = "running",
    start_date: datetime | None = None,
    end_date: datetime | None = None,
) -> str:
    with session(database_url) as s:
        run = dag_runs.create_run(
            s,
            dag,
            logical_date=logical_date,
            data_interval=(logical_date, logical_date),
            run_type=run_type,
            state=state,
        )
        run.start_date, run.end_date = start_date, end_date
        return run.run_id


def set_ti(database_url: str, dag_id: str, run_id: str, task_id: str, **fields: Any) -> None:
    """Change columns of one task instance (as the scheduler or task runner would)."""
    with session(database_url) as s:
        ti = s.query(TaskInstance).filter_by(dag_id=dag_id, run_id=run_id, task_id=task_id).one()
        for k, v in fields.items():
            setattr(ti, k, v)


def set_run(database_url: str, dag_id: str, run_id: str, **fields: Any) -> None:
    with session(database_url) as s:
        run = s.query(DagRun).filter_by(dag_id=dag_id, run_id=run_id).one()
        for k, v in fields.items():
            setattr(run, k, v)


def insert_xcom(
    database_url: str,
    dag_id: str,
    run_id: str,
    task_id: str,
    key: str,
    value: Any,
    map_index: int = -1,
) -> None:
    with session(database_url) as s:
        s.add(
            XCom(
                dag_id=dag_id,
                run_id=run_id,
                task_id=task_id,
                key=key,
                value=value,
                map_index=map_index,
            )
        )


def new_dag(
    database_url: str, prefix: str = "dag", tasks: Sequence[dict[str, Any]] | None = None, **kw: Any
) -> dict[str, Any]:
    """Insert a DAG with a unique id (default tasks: a >> b >> c, a >> d) and return it."""
    import uuid

    tasks = tasks or [task("a", ["b", "d"]), task("b", ["c"], retries=2), task("c"), task("d")]
    dag = serialized_dag(f"{prefix}_{uuid.uuid4().hex[:10]}", tasks, **kw)
    insert_dag(database_url, dag)
    return dag
