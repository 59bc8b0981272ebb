"""Task logs: JSON with continuation tokens (following a log that grows), full content,
text/plain, try-number and token errors, in both dialects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from crosswind.execution.log_paths import log_path
from support import dag_rows

D1 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture(params=["/api/v1", "/airflow/api/v1"])
def client(request: pytest.FixtureRequest, server) -> httpx.Client:
    with server.client(prefix=request.param) as c:
        yield c


@pytest.fixture
def ti(server) -> tuple[str, str, str]:
    dag = dag_rows.new_dag(server.database_url)
    run_id = dag_rows.insert_run(server.database_url, dag, D1)
    dag_rows.set_ti(server.database_url, dag["dag_id"], run_id, "a", state="running", try_number=2)
    return dag["dag_id"], run_id, "a"


def _file(server, ti: tuple[str, str, str], try_number: int) -> Path:
    path = log_path(server.home / "logs", *ti, try_number)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _url(ti: tuple[str, str, str], try_number: int) -> str:
    dag_id, run_id, task_id = ti
    return f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}"


def test_follow_a_growing_log(client: httpx.Client, server, ti) -> None:
    path = _file(server, ti, 2)
    path.write_text("line 1\nline 2\n")
    r = client.get(_url(ti, 2))
    assert r.status_code == 200, r.text
    first = r.json()
    assert first["content"] == "line 1\nline 2\n"
    token = first["continuation_token"]
    assert token and all(c.isalnum() or c in "-_" for c in token)
    # Nothing new yet: empty content, same position.
    again = client.get(_url(ti, 2), params={"token": token}).json()
    assert again == {"content": "", "continuation_token": token}
    # The task writes more (a 3-byte character cut in half: only whole characters come back).
    with path.open("ab") as f:
        f.write("line 3 \u20ac".encode()[:-1])
    part = client.get(_url(ti, 2), params={"token": token}).json()
    assert part["content"] == "line 3 "
    with path.open("ab") as f:
        f.write("\u20ac".encode()[-1:] + b"\ndone\n")
    rest = client.get(_url(ti, 2), params={"token": part["continuation_token"]}).json()
    assert rest["content"] == "\u20ac\ndone\n"
    full = client.get(_url(ti, 2), params={"full_content": "true"}).json()
    assert full["content"] == "line 1\nline 2\nline 3 \u20ac\ndone\n"
    assert full["continuation_token"] == rest["continuation_token"]


def test_text_plain_and_other_tries(client: httpx.Client, server, ti) -> None:
    _file(server, ti, 1).write_text("first try\n")
    _file(server, ti, 2).write_text("second try\n")
    r = client.get(_url(ti, 1), headers={"Accept": "text/plain"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    assert r.text == "first try\n"
    assert client.get(_url(ti, 2)).json()["content"] == "second try\n"


def test_try_without_file_is_empty(client: httpx.Client, ti) -> None:
    r = client.get(_url(ti, 2))
    assert r.status_code == 200 and r.json()["content"] == ""


@pytest.mark.parametrize("try_number", [0, 3, -1])
def test_try_that_never_ran_is_404(client: httpx.Client, ti, try_number: int) -> None:
    r = client.get(_url(ti, try_number))
    assert r.status_code == 404 and "try" in r.json()["detail"]


def test_errors(client: httpx.Client, ti, anon: httpx.Client, make_user, server) -> None:
    dag_id, run_id, _ = ti
    assert client.get(_url((dag_id, run_id, "zz"), 1)).status_code == 404
    assert client.get(_url((dag_id, "nope", "a"), 1)).status_code == 404
    assert client.get(_url(ti, 1), params={"token": "!!not-a-token"}).status_code == 400
    assert client.get(_url(ti, 1), params={"token": "YWJj"}).status_code == 400
    assert client.get(_url(ti, 1), params={"map_index": 3}).status_code == 404
    assert anon.get(_url(ti, 1)).status_code == 401
    with server.client(auth=make_user("Viewer")) as viewer:
        assert viewer.get(_url(ti, 1)).status_code == 200
