"""Hostile input gets a 4xx and changes nothing (issue 12): integers beyond 64 bits, lone
UTF-16 surrogates and non-finite numbers, in query strings, paths and bodies."""

from __future__ import annotations

import json

import httpx
import pytest

from support import unique
from support.dag_rows import new_dag
from support.servers import Server

BIG = 2**70
PREFIXES = ["/api/v1", "/airflow/api/v1"]
LISTS = ["/dags", "/dags/~/dagRuns", "/variables", "/connections", "/pools", "/users",
         "/eventLogs", "/importErrors", "/datasets", "/datasets/events", "/dagWarnings"]


def raw(c: httpx.Client, method: str, path: str, body: str) -> httpx.Response:
    """JSON text as given (json.dumps escapes a lone surrogate as \\ud800, valid JSON)."""
    return c.request(method, path, content=body.encode(),
                     headers={"content-type": "application/json"})


@pytest.mark.parametrize("prefix", PREFIXES)
def test_huge_numbers_in_queries_and_paths_are_400(server: Server, prefix: str) -> None:
    with server.client(prefix=prefix) as c:
        for path in LISTS:
            # A huge limit is capped at the page limit, as Airflow does; the rest are 400.
            assert c.get(path, params={"limit": BIG}).status_code == 200
            for params in ({"offset": BIG}, {"limit": -BIG}, {"offset": "1e400"}):
                r = c.get(path, params=params)
                assert r.status_code == 400, (path, params, r.status_code, r.text)
        for path in (f"/eventLogs/{BIG}", f"/importErrors/{BIG}", f"/users/admin/tokens/{BIG}"):
            r = c.get(path) if "tokens" not in path else c.delete(path)
            assert 400 <= r.status_code < 500, (path, r.status_code, r.text)
        r = c.get("/datasets/events", params={"dataset_id": BIG})
        assert r.status_code == 400, r.text
        assert r.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_huge_numbers_in_bodies_are_400_and_store_nothing(server: Server, api: httpx.Client,
                                                          prefix: str) -> None:
    dag = new_dag(server.database_url)
    api.patch(f"/dags/{dag['dag_id']}", json={"is_paused": False})
    pool = unique("pool")
    with server.client(prefix=prefix) as c:
        r = raw(c, "POST", "/pools", json.dumps({"name": pool, "slots": BIG}))
        assert r.status_code == 400, r.text
        assert c.get(f"/pools/{pool}").status_code == 404
        assert raw(c, "PATCH", "/pools/default_pool", json.dumps({"slots": BIG})).status_code == 400
        assert c.get("/pools/default_pool").json()["slots"] < BIG
        runs = f"/dags/{dag['dag_id']}/dagRuns"
        for conf in (f'{{"x": {BIG}}}', f'{{"deep": {{"list": [1, {-BIG}]}}}}',
                     '{"x": NaN}', '{"x": Infinity}', '{"k\\ud800": 1}', '{"x": "a\\udfff"}'):
            r = raw(c, "POST", runs, '{"conf": ' + conf + "}")
            assert r.status_code == 400, (conf, r.text)
            assert "conf" in r.json()["detail"]
        assert c.get(runs).json()["total_entries"] == 0
        r = raw(c, "POST", "/datasets/events",
                json.dumps({"dataset_uri": "s3://bucket/" + unique("k"), "extra": {"n": BIG}}))
        assert r.status_code in (400, 404), r.text
        for body, code in (({"page_limit": BIG}, 200), ({"page_offset": BIG}, 400)):
            assert raw(c, "POST", "/dags/~/dagRuns/list", json.dumps(body)).status_code == code
            r = raw(c, "POST", "/dags/~/dagRuns/~/taskInstances/list", json.dumps(body))
            assert r.status_code == code, r.text


@pytest.mark.parametrize("prefix", PREFIXES)
def test_lone_surrogates_and_nul_bytes_are_400_and_store_nothing(server: Server,
                                                                  prefix: str) -> None:
    key = unique("var")
    with server.client(prefix=prefix) as c:
        for body in ({"key": key + "\ud800", "value": "v"}, {"key": key, "value": "v\udfff"}):
            r = raw(c, "POST", "/variables", json.dumps(body))
            assert r.status_code == 400, (body, r.status_code, r.text)
        assert c.get(f"/variables/{key}").status_code == 404
        user = unique("u")
        r = raw(c, "POST", "/users", json.dumps({
            "username": user + "\ud800", "email": f"{user}@example.com", "password": "pw",
            "first_name": "a", "last_name": "b"}))
        assert r.status_code == 400, r.text
        assert c.get("/dags", params={"dag_id_pattern": "\ufffd"}).status_code == 200
        r = c.get("/dags/%ED%A0%80/dagRuns/%ED%A0%80")
        assert r.status_code == 404, r.text
