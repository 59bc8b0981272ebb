"""The task-instance page on a real engine: the log of a running task shows its tail first
and new lines arrive without a reload; search, download, earlier parts; XCom, rendered
template fields and why a task waits."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from support import unique
from support.servers import Server
from ui.conftest import deploy, sign_in

D = unique("uiti")
LINES = 30_000  # ~0.7 MB of log before the task waits: more than the page's first window


@pytest.fixture(scope="module")
def ti_dag(engine: Server) -> str:
    flag = engine.home / f"{D}.go"
    deploy(engine, {f"{D}.py": f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.bash import BashOperator
        with DAG("{D}", schedule=None, start_date=datetime(2024, 1, 1),
                 params={{"who": "crosswind"}}) as dag:
            talk = BashOperator(task_id="talk", bash_command=(
                "seq 1 {LINES} | sed 's/^/filler line number /'; echo hello {{{{ params.who }}}}; "
                "while [ ! -f {flag} ]; do sleep 0.1; done; echo after-the-flag; echo done-value"))
            talk >> BashOperator(task_id="after", bash_command="true")
        """}, [D])
    with engine.client() as api:
        r = api.post(f"/dags/{D}/dagRuns", json={"dag_run_id": "tirun"})
        assert r.status_code == 200, r.text
    return D


def _ti_url(task: str) -> str:
    return f"/dags/{D}/runs/tirun/tasks/{task}"


def test_log_tail_then_live_lines_search_and_download(ti_dag: str, page,
                                                      engine: Server) -> None:
    sign_in(page, engine, path=_ti_url("talk") + "?tab=log")
    log = page.get_by_label("Log text")
    expect(log).to_contain_text("hello crosswind", timeout=30_000)
    expect(page.get_by_text("Following the running task")).to_be_visible()
    # Only the tail was loaded: the first filler lines are not on the page yet.
    assert "filler line number 1\n" not in log.inner_text()
    page.evaluate("window.stillTheSamePage = true")
    (engine.home / f"{D}.go").touch()
    expect(log).to_contain_text("after-the-flag", timeout=30_000)
    expect(page.locator("#ti-state")).to_have_text("success", timeout=30_000)
    assert page.evaluate("window.stillTheSamePage") is True

    page.get_by_label("Search the log").fill("after-the-flag")
    expect(page.locator("#log-matches")).to_contain_text("1 match")
    page.get_by_label("Search the log").press("Enter")
    expect(page.locator("#log-matches")).to_have_text("1 of 1")

    # The whole file is searched on the server: a line outside the loaded tail is found,
    # opened in place, and "Back to the end" returns to the tail.
    assert "filler line number 12345\n" not in log.inner_text()
    page.get_by_label("Search the log").fill("filler line number 12345")
    page.get_by_role("button", name="Search the whole log").click()
    expect(page.locator("#log-matches")).to_have_text("1 matching line in the whole log")
    page.get_by_role("list", name="Matches in the whole log").get_by_role("button").click()
    expect(page.locator("#log-here")).to_have_text("filler line number 12345")
    page.get_by_role("button", name="Back to the end").click()
    expect(log).to_contain_text("after-the-flag")

    page.get_by_role("button", name="Load earlier").click()
    page.get_by_label("Search the log").fill("")
    with page.expect_download() as dl:
        page.get_by_role("link", name="Download").click()
    text = Path(dl.value.path()).read_text()
    assert "\nfiller line number 1\n" in text
    assert f"\nfiller line number {LINES}\n" in text
    assert "after-the-flag" in text


def test_window_endpoint_reads_only_the_tail(ti_dag: str, engine: Server) -> None:
    base = f"{engine.url}/ui/data/dags/{D}/dagRuns/tirun/taskInstances/talk/logs/1"
    with engine.client() as api:
        auth = api.auth
    deadline = time.monotonic() + 60
    while True:  # until the task has written its filler lines (it may still be starting)
        w = httpx.get(base + "/window", params={"size": 4096}, auth=auth).json()
        if "hello crosswind" in w["content"]:
            break
        assert time.monotonic() < deadline, w
        time.sleep(0.1)
    assert w["size"] > 500_000
    assert w["end"] - w["start"] <= 4096
    assert w["content"].startswith("filler line number") or w["start"] == 0
    before = httpx.get(base + "/window", params={"before": w["start"], "size": 4096},
                       auth=auth).json()
    assert before["end"] == w["start"]
    assert (before["content"] + w["content"]).count("\n") > 100
    found = httpx.get(base + "/search", params={"q": "FILLER LINE NUMBER 2999"},
                      auth=auth).json()
    assert [m["line"] for m in found["matches"]] == [
        "filler line number 2999", *(f"filler line number 2999{i}" for i in range(10))]
    one = found["matches"][0]
    at = httpx.get(base + "/window", params={"before": one["offset"] + 100, "size": 200},
                   auth=auth).json()
    assert "filler line number 2999\n" in at["content"]
    capped = httpx.get(base + "/search", params={"q": "filler", "limit": 3}, auth=auth).json()
    assert (len(capped["matches"]), capped["truncated"]) == (3, True)
    assert httpx.get(base + "/search", auth=auth).status_code == 400
    assert httpx.get(base + "/window").status_code == 401
    assert httpx.get(base[:-1] + "9/window", auth=auth).status_code == 404
    assert httpx.get(base + "/window", params={"size": 0}, auth=auth).status_code == 400


def test_xcom_rendered_fields_details_and_tabs_have_urls(ti_dag: str, page,
                                                         engine: Server) -> None:
    (engine.home / f"{D}.go").touch()
    sign_in(page, engine, path=_ti_url("talk"))
    expect(page.locator("#ti-state")).to_have_text("success", timeout=30_000)
    expect(page.get_by_label("Details")).to_contain_text("BashOperator")
    page.get_by_role("link", name="XCom").click()
    expect(page).to_have_url(re.compile(r"tab=xcom"))
    expect(page.get_by_label("XCom")).to_contain_text("done-value")
    page.get_by_role("link", name="Rendered template").click()
    expect(page.get_by_label("Rendered template")).to_contain_text("echo hello crosswind")
    page.go_back()
    expect(page.get_by_label("XCom")).to_be_visible()
    page.get_by_role("link", name="Dependencies").click()
    expect(page.get_by_label("Dependencies")).to_contain_text("is success")


def test_dependencies_say_why_a_task_waits(engine: Server, page) -> None:
    dag = unique("uideps")
    deploy(engine, {f"{dag}.py": f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.operators.empty import EmptyOperator
        with DAG("{dag}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
            first = EmptyOperator(task_id="first", pool="no_such_pool_{dag}")
            first >> EmptyOperator(task_id="second")
        """}, [dag])
    with engine.client() as api:
        assert api.post(f"/dags/{dag}/dagRuns", json={"dag_run_id": "w"}).status_code == 200
    sign_in(page, engine, path=f"/dags/{dag}/runs/w/tasks/second?tab=dependencies")
    deps = page.get_by_label("Dependencies")
    expect(deps).to_contain_text("Why second is not running")
    expect(deps).to_contain_text("Trigger Rule")
    page.goto(engine.url + f"/dags/{dag}/runs/w/tasks/first?tab=dependencies")
    expect(deps).to_contain_text("no_such_pool")


def test_a_mapped_task_lists_its_instances_and_each_has_its_page(engine: Server,
                                                                 page) -> None:
    dag = unique("uimapped")
    deploy(engine, {f"{dag}.py": f"""
        from datetime import datetime
        from airflow import DAG
        from airflow.decorators import task
        with DAG("{dag}", schedule=None, start_date=datetime(2024, 1, 1)) as dag:
            @task
            def double(x):
                return x * 2
            double.expand(x=[1, 2, 3])
        """}, [dag])
    with engine.client() as api:
        assert api.post(f"/dags/{dag}/dagRuns", json={"dag_run_id": "m"}).status_code == 200
        deadline = time.monotonic() + 60
        listed = f"/dags/{dag}/dagRuns/m/taskInstances/double/listMapped"
        while api.get(listed).json().get("total_entries") != 3:  # expanded by the scheduler
            assert time.monotonic() < deadline, api.get(listed).text
            time.sleep(0.1)
    sign_in(page, engine, path=f"/dags/{dag}/runs/m/tasks/double")
    status = page.locator("#ti-status")
    expect(status).to_contain_text("double is mapped: 3 instances", timeout=30_000)
    page.get_by_role("link", name=re.compile(r"^\[1\]")).click()
    expect(page).to_have_url(re.compile(r"map_index=1$"))
    expect(page.get_by_role("heading", name="double [1]")).to_be_visible()
    expect(page.locator("#ti-state")).to_have_text("success", timeout=30_000)
    page.get_by_role("link", name="XCom").click()
    expect(page.get_by_label("XCom")).to_contain_text("4")
    page.get_by_role("button", name="Mark failed").click()
    affected = page.get_by_role("list", name="Affected task instances")
    expect(affected.get_by_role("listitem")).to_have_text(["double [1] · m (success)"])
    expect(page.get_by_label("Downstream")).to_be_hidden()
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#ti-state")).to_have_text("failed")
    with engine.client() as api:
        base = f"/dags/{dag}/dagRuns/m/taskInstances/double"
        assert api.get(f"{base}/1").json()["state"] == "failed"
        assert api.get(f"{base}/0").json()["state"] == "success"
