"""The DAGs page: filters in the URL, paging, owners/schedule, recent runs, import errors,
the pause switch, and what a Viewer gets (no switch; forged changes refused)."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

P = unique("uidag")
FILES = {
    f"{P}_alpha.py": f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("{P}_alpha", schedule="0 0 * * *", start_date=datetime(2024, 1, 1),
                 tags=["team-a"], default_args={{"owner": "alice"}},
                 description="the alpha one") as dag:
            EmptyOperator(task_id="only")
        """,
    f"{P}_beta.py": f"""
        from datetime import datetime, timedelta
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("{P}_beta", schedule=timedelta(hours=2), start_date=datetime(2024, 1, 1),
                 tags=["team-b"], is_paused_upon_creation=False) as dag:
            EmptyOperator(task_id="only")
        """,
    f"{P}_many.py": f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        for i in range(28):
            with DAG(f"{P}_page_{{i:02d}}", schedule=None, start_date=datetime(2024, 1, 1)) as d:
                EmptyOperator(task_id="only")
            globals()[f"d{{i}}"] = d
        """,
    f"{P}_broken.py": """
        from airflow import DAG
        1 / 0
        """,
}
ALPHA, BETA = f"{P}_alpha", f"{P}_beta"


@pytest.fixture(scope="module")
def dags(server: Server) -> None:
    report = add_dags(server, FILES)
    assert report.import_errors == 1


def rows(page: Any) -> Any:
    return page.locator("table#dags tbody tr")


def is_paused(api: httpx.Client, dag_id: str) -> bool:
    return api.get(f"/dags/{dag_id}").json()["is_paused"]


def test_filters_and_pages_have_their_own_urls(dags: None, signed_in, server: Server) -> None:
    page = signed_in(path=f"/dags?search={P}")
    expect(page.get_by_role("status")).to_have_text("30 DAGs")
    expect(rows(page)).to_have_count(25)
    page.get_by_role("link", name="Next →").click()
    expect(page).to_have_url(re.compile(r"page=2"))
    expect(rows(page)).to_have_count(5)
    page.go_back()
    expect(rows(page)).to_have_count(25)
    expect(rows(page).first).to_have_attribute("data-dag-id", ALPHA)

    # A tag chip narrows the list; the URL says so and can be shared.
    page.locator(f'tr[data-dag-id="{ALPHA}"] .tags a', has_text="team-a").click()
    expect(page).to_have_url(re.compile(r"tag=team-a"))
    expect(rows(page)).to_have_count(1)
    row = rows(page).first
    expect(row).to_contain_text(ALPHA)
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text("0 0 * * *")
    expect(row).to_contain_text("the alpha one")

    page.goto(server.url + f"/dags?search={P}_")
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"status=active"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_have_attribute("data-dag-id", BETA)
    page.go_back()
    expect(page.get_by_label("Status")).to_have_value("all")
    expect(rows(page)).to_have_count(25)


def test_import_errors_show_file_and_message(dags: None, signed_in) -> None:
    page = signed_in(path=f"/dags?search={P}")
    section = page.locator("#import-errors")
    error = section.locator("details", has_text=f"{P}_broken.py")
    expect(error).to_be_visible()
    error.locator("summary").click()
    expect(error.locator("pre")).to_contain_text("ZeroDivisionError")


def test_recent_runs_show_their_states(dags: None, signed_in, api: httpx.Client) -> None:
    run_id = unique("uirun")
    r = api.post(f"/dags/{ALPHA}/dagRuns", json={"dag_run_id": run_id})
    assert r.status_code == 200, r.text
    state = r.json()["state"]
    page = signed_in(path=f"/dags?search={ALPHA}")
    cell = page.locator(f'td.runs[data-dag-id="{ALPHA}"]')
    expect(cell.get_by_role("img", name=f"{run_id}: {state}")).to_be_visible()
    expect(page.locator(f'td.runs[data-dag-id="{BETA}"]')).to_have_count(0)


def test_pause_switch_pauses_and_unpauses(dags: None, signed_in, api: httpx.Client,
                                          server: Server) -> None:
    page = signed_in(path=f"/dags?search={P}_page_00")
    switch = page.get_by_role("switch", name=f"Active: {P}_page_00")
    expect(switch).not_to_be_checked()  # new DAGs start paused
    switch.press("Space")  # keyboard-usable
    expect(page.get_by_role("status")).to_have_text(f"{P}_page_00 unpaused")
    assert is_paused(api, f"{P}_page_00") is False
    page.reload()
    expect(switch).to_be_checked()
    switch.click()
    expect(page.get_by_role("status")).to_have_text(f"{P}_page_00 paused")
    assert is_paused(api, f"{P}_page_00") is True


FORGE = """async ([path, method, token]) => {
  const headers = {"Content-Type": "application/json"};
  if (token !== null) headers["X-CSRF-Token"] = token;
  const body = method === "PATCH" ? {is_paused: false} : {};
  const r = await fetch(path, {method, headers, body: JSON.stringify(body)});
  return [r.status, (await r.json()).detail];
}"""


def test_viewer_has_no_switch_and_forged_changes_are_refused(dags: None, signed_in, make_user,
                                                              api: httpx.Client) -> None:
    page = signed_in(credentials=make_user("Viewer"), path=f"/dags?search={ALPHA}")
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Paused")
    expect(page.locator(".pause-toggle")).to_have_count(0)
    expect(page.get_by_role("switch")).to_have_count(0)

    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    dag = f"/api/v1/dags/{ALPHA}"
    status, detail = page.evaluate(FORGE, [dag, "PATCH", None])
    assert (status, "CSRF" in detail) == (403, True)
    status, detail = page.evaluate(FORGE, [dag, "PATCH", "not-the-token"])
    assert (status, "CSRF" in detail) == (403, True)
    # The right token gets past the CSRF check, and the role check refuses the Viewer.
    status, detail = page.evaluate(FORGE, [dag, "PATCH", csrf])
    assert (status, "may not write dags" in detail) == (403, True), detail
    status, _ = page.evaluate(FORGE, [f"{dag}/dagRuns", "POST", csrf])
    assert status == 403
    assert is_paused(api, ALPHA) is True
    # Reads are fine with the cookie alone.
    assert page.evaluate("async (p) => (await fetch(p)).status", dag) == 200


def test_forged_sign_out_is_refused(dags: None, signed_in, server: Server) -> None:
    page = signed_in(path=f"/dags?search={ALPHA}")
    status = page.evaluate("""async () => (await fetch("/logout", {method: "POST",
        headers: {"Content-Type": "application/x-www-form-urlencoded"},
        body: "csrf_token=forged", redirect: "manual"})).status""")
    assert status == 403
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
