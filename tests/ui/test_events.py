"""GET /api/v1/events on a real engine: every transition of a 100-task run arrives, in
order, and a client that disconnects resumes with Last-Event-ID without missing one."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import Any

import httpx
import pytest

from support import unique
from support.servers import ADMIN, Server
from ui.conftest import deploy
from ui.sse import Stream, open_stream

BIG, SMALL = unique("ev100"), unique("ev1")
SOURCE = f"""
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.python import PythonOperator
    with DAG("{BIG}", schedule=None, start_date=datetime(2024, 1, 1)) as big:
        head = PythonOperator(task_id="head", python_callable=lambda: None)
        for i in range(99):
            head >> PythonOperator(task_id=f"t{{i:02d}}", python_callable=lambda: None)
    with DAG("{SMALL}", schedule=None, start_date=datetime(2024, 1, 1)) as small:
        PythonOperator(task_id="only", python_callable=lambda: None)
    """


@pytest.fixture(scope="module")
def dags(engine: Server) -> None:
    deploy(engine, {f"{BIG}.py": SOURCE}, [BIG, SMALL])


def _finished(dag_id: str):
    def done(msg: dict[str, Any]) -> bool:
        d = msg["data"]
        return (d["type"] == "dag_run" and d["dag_id"] == dag_id
                and d["state"] in ("success", "failed"))
    return done


def _start(stream: Stream) -> str:
    first = stream.next()  # a stream from now first names the current id
    assert "data" not in first and first["id"].isdigit()
    return first["id"]


def _trigger(api: httpx.Client, dag_id: str) -> str:
    r = api.post(f"/dags/{dag_id}/dagRuns", json={"conf": {}})
    assert r.status_code == 200, r.text
    return r.json()["dag_run_id"]


def _assert_complete_chains(msgs: list[dict[str, Any]], dag_id: str, tasks: int) -> None:
    """Ids rise; every object's events form one unbroken chain of previous_state -> state
    (a missed transition would break it), starting from its creation."""
    ids = [int(m["id"]) for m in msgs]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    chains: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for m in msgs:
        d = m["data"]
        assert d["dag_id"] == dag_id and m["event"] == d["type"]
        chains[(d["type"], d.get("task_id") or "")].append(d)
    assert len([k for k in chains if k[0] == "task_instance"]) == tasks
    for key, events in chains.items():
        assert events[0]["previous_state"] is None, (key, events)
        for before, after in pairwise(events):
            assert after["previous_state"] == before["state"], (key, events)
        assert events[-1]["state"] == "success", (key, events)
    run = [e["state"] for e in chains[("dag_run", "")]]
    assert run[0] == "queued" and run[-1] == "success" and "running" in run


def test_every_transition_in_order_and_resume(dags: None, engine: Server) -> None:
    url = engine.url + "/api/v1/events"
    with engine.client() as api, open_stream(url, auth=ADMIN, params={"dag_id": BIG}) as whole:
        start = _start(whole)
        run_id = _trigger(api, BIG)
        # A second client reads part of the run, drops the connection, and resumes.
        with open_stream(url, auth=ADMIN, params={"dag_id": BIG},
                         headers={"Last-Event-ID": start}) as first:
            part = first.until(_finished(BIG), limit=150)
            last = first.last_id
        assert len(part) == 150
        with open_stream(url, auth=ADMIN, params={"dag_id": BIG},
                         headers={"Last-Event-ID": last}) as second:
            rest = second.until(_finished(BIG))
        everything = whole.until(_finished(BIG))
    assert [m["id"] for m in part + rest] == [m["id"] for m in everything]
    assert all(m["data"]["run_id"] == run_id for m in everything)
    _assert_complete_chains(everything, BIG, tasks=100)
    # The Airflow dialect serves the same stream; a late client replays from an id.
    with open_stream(engine.url + "/airflow/api/v1/events", auth=ADMIN,
                     params={"dag_id": BIG, "last_event_id": start}) as late:
        again = late.until(_finished(BIG))
    assert [m["id"] for m in again] == [m["id"] for m in everything]


def test_a_confined_token_sees_only_its_dags(dags: None, engine: Server) -> None:
    with engine.client() as api:
        r = api.post(f"/users/{ADMIN[0]}/tokens",
                     json={"name": unique("ev"), "scopes": ["read"], "dag_ids": [SMALL]})
        assert r.status_code in (200, 201), r.text
        token = r.json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        with open_stream(engine.url + "/api/v1/events", headers=headers) as stream:
            _start(stream)
            _trigger(api, BIG)  # not visible to the token
            _trigger(api, SMALL)
            msgs = stream.until(_finished(SMALL))
    assert {m["data"]["dag_id"] for m in msgs} == {SMALL}
    _assert_complete_chains(msgs, SMALL, tasks=1)


def test_bad_requests(engine: Server) -> None:
    url = engine.url + "/api/v1/events"
    assert httpx.get(url).status_code == 401
    bad = httpx.get(url, auth=ADMIN, headers={"Last-Event-ID": "soon"})
    assert bad.status_code == 400 and bad.json()["title"] == "Bad Request"
    assert httpx.get(url, auth=ADMIN, params={"type": "nope"}).status_code == 400
    assert httpx.get(url, auth=ADMIN, params={"last_event_id": -1}).status_code == 400
