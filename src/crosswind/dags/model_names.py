"""airflow.models.XCom and airflow.models.Pool as DAG files use them.

DAG files mostly use these for constants and annotations; XCom.get_one/get_value read
through the task runtime's backend (only inside a running task or dag.test())."""

from __future__ import annotations

from typing import Any

from crosswind.dags.context import XCOM_RETURN_KEY
from crosswind.dags.runtime import get_backend


class XCom:
    """Read-only XCom access by (dag_id, run_id, task_id, key, map_index)."""

    XCOM_RETURN_KEY = XCOM_RETURN_KEY

    @staticmethod
    def get_one(
        *, key: str = XCOM_RETURN_KEY, dag_id: str, task_id: str, run_id: str,
        map_index: int = -1, **_: Any,
    ) -> Any:
        return get_backend().xcom_pull(
            dag_id=dag_id, run_id=run_id, task_id=task_id, key=key, map_index=map_index)

    @staticmethod
    def get_value(*, ti_key: Any, key: str = XCOM_RETURN_KEY, **_: Any) -> Any:
        return XCom.get_one(key=key, dag_id=ti_key.dag_id, task_id=ti_key.task_id,
                            run_id=ti_key.run_id, map_index=getattr(ti_key, "map_index", -1))


class Pool:
    """Pool names for operator arguments; pools themselves are managed through the API."""

    DEFAULT_POOL_NAME = "default_pool"

    def __init__(self, pool: str, slots: int = 128, description: str = "",
                 include_deferred: bool = False) -> None:
        self.pool, self.slots = pool, slots
        self.description, self.include_deferred = description, include_deferred
