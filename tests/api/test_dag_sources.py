"""/dagSources/{file_token}: text by default, JSON on request, 406 otherwise, 404 unknown."""

from __future__ import annotations

import httpx
import pytest

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

DAG_ID = unique("tsrc")
SOURCE = f"""# source of {DAG_ID}: ünïcode survives
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
with DAG("{DAG_ID}", schedule=None, start_date=datetime(2024, 1, 1)):
    EmptyOperator(task_id="t")
"""
OTHER = DAG_ID + "_other"


@pytest.fixture(scope="module")
def token(server: Server) -> str:
    add_dags(server, {f"{DAG_ID}.py": SOURCE,
                      f"{OTHER}.py": SOURCE.replace(f'DAG("{DAG_ID}"', f'DAG("{OTHER}"')})
    with server.client() as api:
        return api.get(f"/dags/{DAG_ID}").json()["file_token"]


@pytest.mark.parametrize("prefix", ["/api/v1", "/airflow/api/v1"])
def test_text_json_and_errors(server: Server, token: str, prefix: str) -> None:
    with server.client(prefix=prefix) as c:
        r = c.get(f"/dagSources/{token}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
        assert r.text == SOURCE
        r = c.get(f"/dagSources/{token}", headers={"Accept": "application/json"})
        assert r.headers["content-type"].startswith("application/json")
        assert r.json() == {"content": SOURCE}
        assert c.get(f"/dagSources/{token}", headers={"Accept": "text/plain"}).text == SOURCE
        r = c.get(f"/dagSources/{token}", headers={"Accept": "image/png"})
        assert r.status_code == 406 and r.json()["status"] == 406
        assert c.get("/dagSources/" + "0" * 40).status_code == 404


def test_token_confined_to_other_dags_cannot_read(server: Server, api: httpx.Client,
                                                  token: str) -> None:
    r = api.post("/users/admin/tokens", json={"name": unique("tok"), "scopes": ["read"],
                                              "dag_ids": [OTHER]})
    secret = r.json()["token"]
    other_token = api.get(f"/dags/{OTHER}").json()["file_token"]
    with httpx.Client(base_url=server.url + "/api/v1",
                      headers={"Authorization": f"Bearer {secret}"}) as c:
        assert c.get(f"/dagSources/{token}").status_code == 404
        assert c.get(f"/dagSources/{other_token}").text == SOURCE.replace(
            f'DAG("{DAG_ID}"', f'DAG("{OTHER}"')


def test_anonymous_is_401(anon: httpx.Client, token: str) -> None:
    assert anon.get(f"/dagSources/{token}").status_code == 401
