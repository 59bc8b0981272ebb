"""GET /dagWarnings: a DAG whose tasks name a pool that does not exist, in both dialects."""

from __future__ import annotations

import httpx
import pytest

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

DAG = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("{dag_id}", schedule=None, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="a", pool="{pool_a}") >> EmptyOperator(task_id="b", pool="{pool_b}")
    EmptyOperator(task_id="c")
'''


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_a_missing_pool_is_a_warning_until_the_pool_exists(server: Server, api: httpx.Client,
                                                           prefix: str) -> None:
    bad, good = unique("warned"), unique("fine")
    missing_a, missing_b = unique("zpool"), unique("apool")
    add_dags(server, {
        f"{bad}.py": DAG.format(dag_id=bad, pool_a=missing_a, pool_b=missing_b),
        f"{good}.py": DAG.format(dag_id=good, pool_a="default_pool", pool_b="default_pool"),
    })
    with server.client(prefix=prefix) as c:
        body = c.get("/dagWarnings", params={"dag_id": bad}).json()
        assert body["total_entries"] == 1
        [w] = body["dag_warnings"]
        assert w["dag_id"] == bad and w["warning_type"] == "non-existent pool"
        assert w["message"] == (f"Dag '{bad}' references non-existent pools: "
                                f"{sorted([missing_a, missing_b])!r}")
        assert w["timestamp"]
        assert c.get("/dagWarnings", params={"dag_id": good}).json()["total_entries"] == 0
        everything = c.get("/dagWarnings", params={"order_by": "-dag_id", "limit": 100}).json()
        assert bad in [x["dag_id"] for x in everything["dag_warnings"]]
        ids = [x["dag_id"] for x in everything["dag_warnings"]]
        assert ids == sorted(ids, reverse=True)
        assert c.get("/dagWarnings", params={"warning_type": "other"}).json()["total_entries"] == 0
        assert c.get("/dagWarnings", params={"order_by": "nope"}).status_code == 400
        for pool in (missing_a, missing_b):
            assert api.post("/pools", json={"name": pool, "slots": 1}).status_code == 200
        assert c.get("/dagWarnings", params={"dag_id": bad}).json()["total_entries"] == 0
