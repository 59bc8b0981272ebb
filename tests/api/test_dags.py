"""/dags in both dialects: list filters, get, details, pause (one and bulk), delete.

DAG files are written into the server's DAGs folder and stored by a real processor scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select

from crosswind.db.engine import Database
from crosswind.models import DagRun, EventLog, TaskInstance
from support import unique
from support.dagfiles import add_dags
from support.servers import Server

P = unique("tdag")  # every DAG of this module starts with P

CRON = f"""
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("{P}_cron", schedule="0 0 * * *", start_date=datetime(2024, 1, 1), catchup=True,
         tags=["alpha", "shared"], description="cron dag", doc_md="# Doc",
         dagrun_timeout=timedelta(hours=1, seconds=5), params={{"x": 1}},
         default_args={{"owner": "alice"}}, max_active_runs=3) as dag:
    a = BashOperator(task_id="a", bash_command="true", max_active_tis_per_dag=2)
    a >> BashOperator(task_id="b", bash_command="true")
"""
DELTA = f"""
from datetime import datetime, timedelta
from airflow import DAG
from airflow.operators.empty import EmptyOperator
with DAG("{P}_delta", schedule=timedelta(minutes=30), start_date=datetime(2024, 1, 1),
         tags=["beta", "shared"], is_paused_upon_creation=False) as dag:
    EmptyOperator(task_id="only")
"""
MANUAL = f"""
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
with DAG("{P}_manual", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
    EmptyOperator(task_id="only")
"""
IDS = [f"{P}_cron", f"{P}_delta", f"{P}_manual"]


@pytest.fixture(scope="module")
def dags(server: Server) -> list[str]:
    report = add_dags(server, {f"{P}_cron.py": CRON, f"{P}_delta.py": DELTA,
                               f"{P}_manual.py": MANUAL})
    assert report.import_errors == 0
    return IDS


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server: Server,
           dags: list[str]) -> Iterator[httpx.Client]:
    with server.client(prefix=request.param) as c:
        yield c


@pytest.fixture
def db(server: Server) -> Iterator[Database]:
    database = Database(server.database_url, pool_size=1)
    yield database
    database.dispose()


def mine(body: dict) -> list[str]:
    return [d["dag_id"] for d in body["dags"] if d["dag_id"].startswith(P)]


def test_get_dag_fields_and_schedule_by_dialect(client: httpx.Client) -> None:
    seed = "/airflow/" not in str(client.base_url)
    d = client.get(f"/dags/{P}_cron").json()
    assert d["dag_id"] == d["dag_display_name"] == f"{P}_cron"
    assert d["owners"] == ["alice"] and d["description"] == "cron dag"
    assert d["fileloc"].endswith(f"{P}_cron.py") and len(d["file_token"]) >= 16
    assert d["tags"] == [{"name": "alpha"}, {"name": "shared"}]
    assert d["is_active"] is True and d["is_paused"] is True and d["is_subdag"] is False
    assert d["max_active_runs"] == 3 and d["has_import_errors"] is False
    assert d["has_task_concurrency_limits"] is True
    assert d["timetable_description"] and d["next_dagrun"] == "2024-01-01T00:00:00+00:00"
    assert d["next_dagrun_create_after"] == "2024-01-02T00:00:00+00:00"
    assert d["root_dag_id"] is None and d["max_consecutive_failed_dag_runs"] == 0
    delta = client.get(f"/dags/{P}_delta").json()
    manual = client.get(f"/dags/{P}_manual").json()
    assert manual["schedule_interval"] is None and manual["next_dagrun"] is None
    assert manual["has_task_concurrency_limits"] is False and manual["max_active_runs"] == 16
    body = client.get("/dags", params={"dag_id_pattern": P}).json()
    listed = {x["dag_id"]: x for x in body["dags"]}  # the list's fast path equals GET one
    assert listed[f"{P}_cron"] == d and listed[f"{P}_manual"] == manual
    if seed:
        assert d["schedule_interval"] == "0 0 * * *"
        assert delta["schedule_interval"] == "0:30:00"
    else:
        assert d["schedule_interval"] == {"__type": "CronExpression", "value": "0 0 * * *"}
        assert delta["schedule_interval"] == {"__type": "TimeDelta", "days": 0,
                                              "seconds": 1800, "microseconds": 0}


def test_details(client: httpx.Client) -> None:
    d = client.get(f"/dags/{P}_cron/details").json()
    assert d["catchup"] is True and d["doc_md"] == "# Doc"
    assert d["start_date"] == "2024-01-01T00:00:00+00:00" and d["end_date"] is None
    assert d["dag_run_timeout"] == {"__type": "TimeDelta", "days": 0, "seconds": 3605,
                                    "microseconds": 0}
    assert d["params"]["x"]["value"] == 1
    assert d["timezone"] == "UTC" and d["default_view"] == "grid"  # str() of the zone
    assert d["orientation"] == "LR" and d["is_paused_upon_creation"] is None
    assert d["last_parsed"] == d["last_parsed_time"] is not None
    assert client.get(f"/dags/{P}_nope/details").status_code == 404


def test_new_dag_paused_unless_is_paused_upon_creation_false(client: httpx.Client) -> None:
    assert client.get(f"/dags/{P}_delta").json()["is_paused"] is False
    assert client.get(f"/dags/{P}_manual").json()["is_paused"] is True


@pytest.mark.parametrize(("params", "expected"), [
    ({"tags": ["alpha"]}, [f"{P}_cron"]),
    ({"tags": ["alpha", "beta"]}, [f"{P}_cron", f"{P}_delta"]),
    ({"tags": ["shared"], "order_by": "-dag_id"}, [f"{P}_delta", f"{P}_cron"]),
    ({"dag_id_pattern": f"{P}_de"}, [f"{P}_delta"]),
    ({"dag_id_pattern": P, "paused": "false"}, [f"{P}_delta"]),
    ({"dag_id_pattern": P, "paused": "true"}, [f"{P}_cron", f"{P}_manual"]),
])
def test_list_filters(client: httpx.Client, params: dict, expected: list[str]) -> None:
    body = client.get("/dags", params={"limit": 100, **params}).json()
    assert mine(body) == expected
    if "dag_id_pattern" in params:
        assert body["total_entries"] == len(expected)


def test_list_pagination_fields_and_bad_params(client: httpx.Client) -> None:
    body = client.get("/dags", params={"dag_id_pattern": P, "limit": 1, "offset": 1}).json()
    assert body["total_entries"] == 3 and mine(body) == [f"{P}_delta"]
    slim = client.get("/dags", params={"dag_id_pattern": P, "fields": "dag_id,is_paused"}).json()
    assert slim["dags"][0].keys() == {"dag_id", "is_paused"}
    for bad in ({"order_by": "owners_x"}, {"fields": "nope"}, {"limit": -1},
                {"only_active": "maybe"}):
        r = client.get("/dags", params=bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["status"] == 400


def test_patch_pause_unpause_and_event_log(client: httpx.Client, db: Database) -> None:
    dag_id = f"{P}_manual"
    r = client.patch(f"/dags/{dag_id}", json={"is_paused": False})
    assert r.status_code == 200 and r.json()["is_paused"] is False
    assert client.get(f"/dags/{dag_id}").json()["is_paused"] is False
    r = client.patch(f"/dags/{dag_id}", params={"update_mask": "is_paused"},
                     json={"is_paused": True})
    assert r.status_code == 200 and r.json()["is_paused"] is True
    with db.read() as s:
        events = s.scalars(select(EventLog.event).where(EventLog.dag_id == dag_id)
                           .order_by(EventLog.id.desc()).limit(2)).all()
    assert events == ["paused", "unpaused"]


@pytest.mark.parametrize(("params", "body"), [
    ({"update_mask": "description"}, {"is_paused": True}),
    (None, {"is_paused": True, "description": "x"}),
    (None, {}),
    (None, {"is_paused": "sometimes"}),
])
def test_patch_bad_input_is_400(client: httpx.Client, params: dict | None, body: dict) -> None:
    r = client.patch(f"/dags/{P}_manual", params=params, json=body)
    assert r.status_code == 400, r.text
    assert client.patch(f"/dags/{P}_nope", json={"is_paused": True}).status_code == 404


def test_bulk_patch(client: httpx.Client) -> None:
    r = client.patch("/dags", params={"dag_id_pattern": P}, json={"is_paused": True})
    assert r.status_code == 200, r.text
    assert r.json()["total_entries"] == 3 and all(d["is_paused"] for d in r.json()["dags"])
    r = client.patch("/dags", params={"dag_id_pattern": f"{P}_de", "update_mask": "is_paused"},
                     json={"is_paused": False})
    assert mine(r.json()) == [f"{P}_delta"]
    listed = client.get("/dags", params={"dag_id_pattern": P, "paused": "false"}).json()
    assert mine(listed) == [f"{P}_delta"]
    assert client.patch("/dags", json={"is_paused": True}).status_code == 400


def test_viewer_can_read_not_pause(server: Server, make_user, dags: list[str]) -> None:
    name, password = make_user("Viewer")
    with server.client(auth=(name, password)) as viewer:
        assert viewer.get(f"/dags/{P}_cron").status_code == 200
        assert viewer.patch(f"/dags/{P}_cron", json={"is_paused": False}).status_code == 403
        assert viewer.delete(f"/dags/{P}_cron").status_code == 403


def test_token_confined_to_dag_ids(server: Server, api: httpx.Client, dags: list[str]) -> None:
    r = api.post("/users/admin/tokens", json={"name": unique("tok"), "scopes": ["read"],
                                              "dag_ids": [f"{P}_cron"]})
    assert r.status_code in (200, 201), r.text
    secret = r.json()["token"]
    with httpx.Client(base_url=server.url + "/api/v1",
                      headers={"Authorization": f"Bearer {secret}"}) as c:
        assert mine(c.get("/dags", params={"limit": 100}).json()) == [f"{P}_cron"]
        assert c.get(f"/dags/{P}_delta").status_code == 404


def test_delete_refuses_running_then_removes_runs(server: Server, db: Database) -> None:
    dag_id = unique("tdel")
    add_dags(server, {f"{dag_id}.py": MANUAL.replace(f"{P}_manual", dag_id)})
    when = datetime(2025, 1, 1, tzinfo=UTC)
    with db.write() as s:
        s.add(DagRun(dag_id=dag_id, run_id="r1", logical_date=when, state="running"))
        s.add(TaskInstance(dag_id=dag_id, run_id="r1", task_id="only", state="running"))
    with server.client() as api:
        r = api.delete(f"/dags/{dag_id}")
        assert r.status_code == 409, r.text
        with db.write() as s:
            ti = s.scalars(select(TaskInstance).where(TaskInstance.dag_id == dag_id)).one()
            ti.state = "success"
        assert api.delete(f"/dags/{dag_id}").status_code == 204
        assert api.get(f"/dags/{dag_id}").status_code == 404
        assert api.get(f"/dags/{dag_id}/tasks").status_code == 404
        assert api.delete(f"/dags/{dag_id}").status_code == 404
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(DagRun)
                        .where(DagRun.dag_id == dag_id)) == 0
        assert s.scalar(select(func.count()).select_from(TaskInstance)
                        .where(TaskInstance.dag_id == dag_id)) == 0
        assert s.scalar(select(EventLog.event).where(EventLog.dag_id == dag_id)) == "delete_dag"
