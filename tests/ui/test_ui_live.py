"""The grid follows a running DAG live: a new run appears and a cell turns from running to
success without a reload (the page's GET /api/v1/events stream)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from support import unique
from support.servers import Server
from ui.conftest import deploy, sign_in

D = unique("uilive")


@pytest.fixture(scope="module")
def live_dag(engine: Server) -> str:
    flag = engine.home / f"{D}.go"
    deploy(engine, {f"{D}.py": f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.bash import BashOperator
        with DAG("{D}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
            BashOperator(task_id="wait", bash_command="while [ ! -f {flag} ]; do sleep 0.1; done")
        """}, [D])
    return D


def test_a_cell_turns_from_running_to_success_without_reload(live_dag: str, page,
                                                              engine: Server) -> None:
    sign_in(page, engine, path=f"/dags/{live_dag}/grid")
    expect(page.get_by_role("status")).to_contain_text("1 tasks, 0 runs")
    page.evaluate("window.stillTheSamePage = true")
    with engine.client() as api:
        r = api.post(f"/dags/{live_dag}/dagRuns", json={"dag_run_id": "live1"})
        assert r.status_code == 200, r.text
    running = page.get_by_role("button", name="wait · live1: running")
    expect(running).to_be_visible(timeout=30_000)
    (engine.home / f"{live_dag}.go").touch()
    expect(page.get_by_role("button", name="wait · live1: success")).to_be_visible(
        timeout=30_000)
    expect(page.get_by_role("img", name=re.compile(r"^Run live1 .*: success$"))).to_be_visible()
    assert page.evaluate("window.stillTheSamePage") is True


def test_the_stream_accepts_the_session_cookie(live_dag: str, page, engine: Server) -> None:
    sign_in(page, engine, path=f"/dags/{live_dag}/grid")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.stream("GET", engine.url + "/api/v1/events", cookies=cookies,
                      timeout=10) as r:
        assert r.status_code == 200
        assert next(r.iter_lines()).startswith("retry:")
