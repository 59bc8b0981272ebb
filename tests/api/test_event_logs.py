"""/eventLogs: the audit trail of API actions, its filters, ordering and errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from support import dag_rows, unique

D1 = datetime(2024, 1, 1, tzinfo=UTC)
FIELDS = {
    "event_log_id",
    "when",
    "dag_id",
    "task_id",
    "run_id",
    "map_index",
    "try_number",
    "event",
    "execution_date",
    "owner",
    "extra",
}


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


@pytest.fixture
def actions(server, client: httpx.Client, make_user) -> tuple[str, str, str]:
    """Trigger as a User, then clear and note as admin; returns (dag_id, run_id, user)."""
    dag = dag_rows.new_dag(server.database_url)
    user = make_user("User")
    with server.client(auth=user) as c:
        r = c.post(f"/dags/{dag['dag_id']}/dagRuns", json={"logical_date": D1.isoformat()})
        assert r.status_code == 200, r.text
    run_id = r.json()["run_id"]
    base = f"/dags/{dag['dag_id']}/dagRuns/{run_id}"
    assert client.post(f"{base}/taskInstances/b/clear", json={}).status_code == 200
    assert client.patch(f"{base}/setNote", json={"note": "n"}).status_code == 200
    return dag["dag_id"], run_id, user[0]


def test_who_did_what(client: httpx.Client, actions) -> None:
    dag_id, run_id, user = actions
    r = client.get("/eventLogs", params={"dag_id": dag_id})
    assert r.status_code == 200, r.text
    events = r.json()["event_logs"]
    assert r.json()["total_entries"] == 3
    assert [(e["event"], e["owner"]) for e in events] == [
        ("trigger", user),
        ("task_instance.clear", "admin"),
        ("dag_run.set_note", "admin"),
    ]
    assert set(events[0]) == FIELDS
    assert events[0]["run_id"] == run_id and events[0]["execution_date"] == D1.isoformat()
    assert events[1]["task_id"] == "b" and json.loads(events[1]["extra"])["task_ids"] == ["b"]
    one = client.get(f"/eventLogs/{events[1]['event_log_id']}")
    assert one.status_code == 200 and one.json() == events[1]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"event": "trigger"}, ["trigger"]),
        ({"task_id": "b"}, ["task_instance.clear"]),
        ({"included_events": "trigger,dag_run.set_note"}, ["trigger", "dag_run.set_note"]),
        ({"excluded_events": "trigger"}, ["task_instance.clear", "dag_run.set_note"]),
        (
            {"owner": "admin", "order_by": "-event_log_id"},
            ["dag_run.set_note", "task_instance.clear"],
        ),
        ({"order_by": "event"}, ["dag_run.set_note", "task_instance.clear", "trigger"]),
        ({"limit": 1, "offset": 1}, ["task_instance.clear"]),
        ({"before": (datetime.now(UTC) - timedelta(days=1)).isoformat()}, []),
        (
            {"after": (datetime.now(UTC) - timedelta(days=1)).isoformat()},
            ["trigger", "task_instance.clear", "dag_run.set_note"],
        ),
    ],
)
def test_filters(client: httpx.Client, actions, params: dict, expected: list) -> None:
    dag_id, run_id, _ = actions
    r = client.get("/eventLogs", params={"dag_id": dag_id, "run_id": run_id, **params})
    assert r.status_code == 200, r.text
    assert [e["event"] for e in r.json()["event_logs"]] == expected


def test_errors(client: httpx.Client, anon: httpx.Client, server, make_user) -> None:
    assert client.get("/eventLogs/999999999").status_code == 404
    assert client.get("/eventLogs/abc").status_code == 400
    assert client.get("/eventLogs", params={"order_by": "nope"}).status_code == 400
    assert client.get("/eventLogs", params={"before": "soon"}).status_code == 400
    assert client.get("/eventLogs", params={"dag_id": unique("none")}).json()["total_entries"] == 0
    assert anon.get("/eventLogs").status_code == 401
    with server.client(auth=make_user("Viewer")) as viewer:
        assert viewer.get("/eventLogs").status_code == 200


def test_token_confined_to_dags_cannot_read_the_event_log(server, api: httpx.Client) -> None:
    secret = api.post(
        "/users/admin/tokens",
        json={"name": unique("t"), "scopes": ["read"], "dag_ids": ["some_dag"]},
    ).json()["token"]
    with httpx.Client(
        base_url=server.url + "/api/v1", timeout=30, headers={"Authorization": f"Bearer {secret}"}
    ) as tok:
        assert tok.get("/eventLogs").status_code == 403
