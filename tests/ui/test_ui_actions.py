"""Clear, mark and delete from the UI, each confirmed after the API's dry run lists what it
touches; the runs list; a Viewer sees none of the actions and a forged request is refused."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from playwright.sync_api import expect

from support import unique
from support.dagfiles import add_dags
from support.servers import Server
from ui.conftest import deploy, sign_in

D = unique("uiact")
SOURCE = f"""
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    with DAG("{D}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
        EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")
    """


def _wait_state(api: httpx.Client, path: str, want: str, key: str = "state") -> dict:
    deadline = time.monotonic() + 60
    while True:
        got = api.get(path).json()
        if got.get(key) == want:
            return got
        assert time.monotonic() < deadline, got
        time.sleep(0.1)


@pytest.fixture(scope="module")
def quiet_dag(server: Server) -> str:
    """On the plain API server (no scheduler): runs stay as the test leaves them."""
    assert add_dags(server, {f"{D}.py": SOURCE}).import_errors == 0
    with server.client() as api:
        for n, run_id in enumerate(("keep", "to_fail", "to_delete")):
            r = api.post(f"/dags/{D}/dagRuns", json={
                "dag_run_id": run_id, "logical_date": f"2024-0{n + 1}-01T00:00:00+00:00"})
            assert r.status_code == 200, r.text
    return D


def test_clear_a_task_and_see_it_run_again(engine: Server, page) -> None:
    dag = unique("uiclear")
    deploy(engine, {f"{dag}.py": SOURCE.replace(D, dag)}, [dag])
    with engine.client() as api:
        assert api.post(f"/dags/{dag}/dagRuns", json={"dag_run_id": "c1"}).status_code == 200
        ti_path = f"/dags/{dag}/dagRuns/c1/taskInstances/first"
        _wait_state(api, f"/dags/{dag}/dagRuns/c1", "success")
        assert api.get(ti_path).json()["try_number"] == 1
        sign_in(page, engine, path=f"/dags/{dag}/runs/c1/tasks/first")
        expect(page.locator("#ti-state")).to_have_text("success")
        page.get_by_role("button", name="Clear").click()
        affected = page.get_by_role("list", name="Affected task instances")
        expect(affected).to_contain_text("first · c1")
        expect(affected).to_contain_text("second · c1")  # downstream is on by default
        page.get_by_label("Downstream").uncheck()
        expect(affected.get_by_role("listitem")).to_have_count(1)
        page.get_by_role("button", name="Confirm").click()
        # It runs again: a second try, success again, without a reload.
        details = page.get_by_label("Details")
        expect(details).to_contain_text(re.compile(r"Try\s*2 of"), timeout=30_000)
        expect(page.locator("#ti-state")).to_have_text("success", timeout=30_000)
        assert api.get(ti_path).json()["try_number"] == 2
        assert api.get(f"/dags/{dag}/dagRuns/c1/taskInstances/second").json()["try_number"] == 1


def test_runs_list_mark_a_run_failed_and_delete_one(quiet_dag: str, signed_in,
                                                    api: httpx.Client) -> None:
    page = signed_in(path=f"/dags/{quiet_dag}/runs")
    rows = page.locator("#runs tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("to_delete")  # newest first
    page.get_by_role("button", name="Mark failed: to_fail").click()
    expect(page.get_by_role("dialog")).to_contain_text("Mark run to_fail failed")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator('tr[data-run-id="to_fail"] td').first).to_contain_text("failed")
    assert api.get(f"/dags/{quiet_dag}/dagRuns/to_fail").json()["state"] == "failed"

    page.get_by_role("button", name="Delete: to_delete").click()
    expect(page.get_by_role("dialog")).to_contain_text("will be deleted")
    page.get_by_role("button", name="Confirm").click()
    expect(rows).to_have_count(2)
    assert api.get(f"/dags/{quiet_dag}/dagRuns/to_delete").status_code == 404
    page.goto(page.url + "?state=failed")  # filters are in the URL
    expect(rows).to_have_count(1)
    expect(page.get_by_label("State")).to_have_value("failed")


def test_mark_a_task_from_the_grid_lists_what_changes(quiet_dag: str, signed_in,
                                                      api: httpx.Client) -> None:
    page = signed_in(path=f"/dags/{quiet_dag}/grid?run_id=keep&task_id=first")
    expect(page.get_by_role("complementary", name="Task instance")).to_contain_text("first")
    page.get_by_role("button", name="Mark task success").click()
    page.get_by_label("Downstream").check()
    affected = page.get_by_role("list", name="Affected task instances")
    expect(affected.get_by_role("listitem")).to_have_count(2)
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("button", name="second · keep: success")).to_be_visible()
    assert api.get(f"/dags/{quiet_dag}/dagRuns/keep/taskInstances/second").json()["state"] \
        == "success"


def test_viewer_sees_no_actions_and_a_forged_post_is_refused(quiet_dag: str, signed_in,
                                                             make_user, api: httpx.Client) -> None:
    page = signed_in(credentials=make_user("Viewer"), path=f"/dags/{quiet_dag}/runs")
    expect(page.locator("#runs tbody tr").first).to_be_visible()
    for name in ("Clear", "Mark failed", "Delete", "Trigger"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.get_by_role("switch")).to_have_count(0)  # no pause switch either
    paused = api.get(f"/dags/{quiet_dag}").json()["is_paused"]
    expect(page.locator("#dag-paused")).to_have_text("Paused" if paused else "Active")
    page.goto(page.url.replace("/runs", "/runs/keep/tasks/first"))
    expect(page.locator("#ti-state")).not_to_be_empty()
    expect(page.get_by_role("button", name="Clear")).to_have_count(0)
    # The server refuses anyway, even with the session's own CSRF token.
    forged = page.evaluate("""async (dag) => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const headers = {'Content-Type': 'application/json', 'X-CSRF-Token': csrf};
        const send = (method, path, body) => fetch('/api/v1' + path,
            {method, headers, body: JSON.stringify(body)}).then(r => r.status);
        return [await send('POST', `/dags/${dag}/clearTaskInstances`, {dry_run: false}),
                await send('PATCH', `/dags/${dag}/dagRuns/keep`, {state: 'failed'}),
                await send('POST', `/dags/${dag}/dagRuns`, {})];
    }""", quiet_dag)
    assert forged == [403, 403, 403]
    assert api.get(f"/dags/{quiet_dag}/dagRuns/keep").json()["state"] != "failed"
