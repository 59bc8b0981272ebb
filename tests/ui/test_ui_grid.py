"""One DAG's grid: the compact data endpoint, selecting a cell (URL, back button, panel),
and triggering with a conf from the JSON editor (errors inline; a Viewer has no button)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

D = unique("uigrid")
SOURCE = f"""
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    with DAG("{D}", schedule=None, start_date=datetime(2024, 1, 1), params={{"x": 1}}) as dag:
        extract, load = EmptyOperator(task_id="extract"), EmptyOperator(task_id="load")
        extract >> load >> EmptyOperator(task_id="report")
    """
RUNS = ("r1_early", "r2_late")


@pytest.fixture(scope="module")
def grid_dag(server: Server) -> str:
    assert add_dags(server, {f"{D}.py": SOURCE}).import_errors == 0
    with server.client() as api:
        for n, run_id in enumerate(RUNS):
            r = api.post(f"/dags/{D}/dagRuns", json={
                "dag_run_id": run_id, "logical_date": f"2024-0{n + 1}-01T00:00:00+00:00"})
            assert r.status_code == 200, r.text
        for task_id, new_state in (("extract", "success"), ("load", "failed")):
            r = api.patch(f"/dags/{D}/dagRuns/{RUNS[0]}/taskInstances/{task_id}",
                          json={"new_state": new_state, "dry_run": False})
            assert r.status_code == 200, r.text
    return D


def test_grid_data_is_compact(grid_dag: str, api: httpx.Client, server: Server) -> None:
    r = httpx.get(f"{server.url}/ui/data/dags/{grid_dag}/grid", auth=api.auth)
    assert r.status_code == 200, r.text
    g = r.json()
    # Oldest on the left (a run the trigger test made, if it ran first here, is newer).
    assert [run["run_id"] for run in g["runs"]][:2] == list(RUNS)
    assert g["tasks"] == ["extract", "load", "report"]
    decoded = [[None if i < 0 else g["states"][i] for i in row] for row in g["cells"]]
    assert decoded[0][0] == "success"
    assert decoded[1][0] == "failed"
    assert g["mapped"] == {}
    one = httpx.get(f"{server.url}/ui/data/dags/{grid_dag}/grid?runs=1", auth=api.auth).json()
    assert [run["run_id"] for run in one["runs"]] == [g["runs"][-1]["run_id"]]
    bad = httpx.get(f"{server.url}/ui/data/dags/{grid_dag}/grid?runs=0", auth=api.auth)
    assert bad.status_code == 400
    missing = httpx.get(f"{server.url}/ui/data/dags/{grid_dag}-nope/grid", auth=api.auth)
    assert missing.status_code == 404
    assert httpx.get(f"{server.url}/ui/data/dags/{grid_dag}/grid").status_code == 401


def test_recent_runs_data(grid_dag: str, api: httpx.Client, server: Server) -> None:
    url = f"{server.url}/ui/data/recent-runs"
    got = httpx.get(url, params={"dag_id": [grid_dag, "no-such-dag"]}, auth=api.auth).json()
    assert [r["run_id"] for r in got[grid_dag]][-2:] == [RUNS[1], RUNS[0]]  # newest first
    assert got["no-such-dag"] == []
    too_many = httpx.get(url, params={"dag_id": [f"d{i}" for i in range(101)]}, auth=api.auth)
    assert too_many.status_code == 400
    assert httpx.get(url, params={"dag_id": grid_dag}).status_code == 401


def test_selecting_cells_shows_the_instance_and_has_urls(grid_dag: str, signed_in) -> None:
    page = signed_in(path=f"/dags/{grid_dag}/grid")
    expect(page.get_by_role("status")).to_contain_text("3 tasks")
    page.get_by_role("button", name=f"extract · {RUNS[0]}: success").click()
    expect(page).to_have_url(re.compile(rf"run_id={RUNS[0]}&task_id=extract"))
    panel = page.get_by_role("complementary", name="Task instance")
    expect(panel).to_contain_text("success")
    expect(panel).to_contain_text("EmptyOperator")

    failed = page.get_by_role("button", name=f"load · {RUNS[0]}: failed")
    failed.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"task_id=load"))
    expect(panel).to_contain_text("failed")
    page.go_back()
    expect(page).to_have_url(re.compile(r"task_id=extract"))
    expect(panel).to_contain_text("success")
    # Arrow keys move between cells.
    page.get_by_role("button", name=f"extract · {RUNS[0]}: success").focus()
    page.keyboard.press("ArrowDown")
    expect(failed).to_be_focused()

    page.goto(page.url)  # a deep link opens with the cell selected
    expect(panel).to_contain_text("success")


def test_trigger_with_conf_from_the_editor(grid_dag: str, signed_in, api: httpx.Client) -> None:
    page = signed_in(path=f"/dags/{grid_dag}/grid")
    expect(page.get_by_role("status")).to_contain_text("tasks")
    page.get_by_role("button", name="Trigger").click()
    editor = page.get_by_label("Configuration JSON")
    expect(editor).to_have_value(re.compile(r'"x": 1'))  # the DAG's params
    editor.fill('{"x": ')
    page.get_by_role("button", name="Trigger run").click()
    expect(page.get_by_role("alert")).to_contain_text("Not valid JSON")
    editor.fill("[1, 2]")
    page.get_by_role("button", name="Trigger run").click()
    expect(page.get_by_role("alert")).to_have_text("The configuration must be a JSON object.")
    editor.fill('{"x": 5, "who": "ui"}')
    page.get_by_role("button", name="Trigger run").click()
    expect(page.get_by_role("status")).to_contain_text("Triggered")
    run_id = page.get_by_role("status").inner_text().removeprefix("Triggered ")
    run = api.get(f"/dags/{grid_dag}/dagRuns/{run_id}").json()
    assert run["conf"] == {"x": 5, "who": "ui"}
    expect(page.locator(".grid-head [role=columnheader]")).to_have_count(1 + 3)


def test_viewer_has_no_trigger_button(grid_dag: str, signed_in, make_user) -> None:
    page = signed_in(credentials=make_user("Viewer"), path=f"/dags/{grid_dag}/grid")
    expect(page.get_by_role("status")).to_contain_text("tasks")
    expect(page.get_by_role("button", name="Trigger")).to_have_count(0)
    expect(page.get_by_role("button", name=f"extract · {RUNS[0]}: success")).to_be_visible()
