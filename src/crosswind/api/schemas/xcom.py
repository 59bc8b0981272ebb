"""XCom response shapes. Values are JSON in the store; Airflow's API shows them as the
string of the deserialised value unless `deserialize=true&stringify=false` asks for JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crosswind.models import XCom


def render_item(x: XCom, logical_date: datetime) -> dict[str, Any]:
    return {
        "key": x.key,
        "timestamp": x.timestamp,
        "execution_date": logical_date,
        "logical_date": logical_date,
        "map_index": x.map_index,
        "task_id": x.task_id,
        "dag_id": x.dag_id,
        "dag_run_id": x.run_id,
        "run_id": x.run_id,
    }


def shown_value(value: Any, *, deserialize: bool, stringify: bool) -> Any:
    if deserialize and not stringify:
        return value
    # Airflow renders the Python object with str(): 42 -> "42", {"a": 1} -> "{'a': 1}".
    return str(value)
