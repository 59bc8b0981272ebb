"""The graph (our layered layout, groups as boxes, state colours of the chosen run, zoom and
pan), the code view and the details view (doc_md rendered with all HTML escaped)."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from crosswind.ui.graph import layout
from support import unique
from support.dagfiles import add_dags
from support.servers import Server

D = unique("uiviews")
SOURCE = f'''
    from datetime import datetime
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator
    from airflow.utils.task_group import TaskGroup
    DOC = """# Runbook
    Call **ops** when it fails, see [the wiki](https://example.com/wiki).
    <script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">
    [bad](javascript:window.pwned=3)

    - first point
    - second point
    """
    with DAG("{D}", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
             tags=["team-a"], default_args={{"owner": "alice"}}, doc_md=DOC,
             params={{"size": 3}}) as dag:
        start = EmptyOperator(task_id="start")
        with TaskGroup("load") as load:
            a = EmptyOperator(task_id="a")
            a >> EmptyOperator(task_id="b")
        start >> load >> EmptyOperator(task_id="end")
    '''


@pytest.fixture(scope="module")
def views_dag(server: Server) -> str:
    assert add_dags(server, {f"{D}.py": SOURCE}).import_errors == 0
    with server.client() as api:
        r = api.post(f"/dags/{D}/dagRuns", json={"dag_run_id": "g1"})
        assert r.status_code == 200, r.text
        r = api.patch(f"/dags/{D}/dagRuns/g1/taskInstances/start",
                      json={"new_state": "success", "dry_run": False})
        assert r.status_code == 200, r.text
    return D


def _inside(node: dict, box: dict) -> bool:
    return (box["x"] <= node["x"] and node["x"] + node["w"] <= box["x"] + box["w"]
            and box["y"] <= node["y"] and node["y"] + node["h"] <= box["y"] + box["h"])


def test_layout_is_left_to_right_with_groups_holding_exactly_their_members(
        views_dag: str, server: Server, api: httpx.Client) -> None:
    g = httpx.get(f"{server.url}/ui/data/dags/{views_dag}/graph", auth=api.auth).json()
    at = {n["id"]: n for n in g["nodes"]}
    assert set(at) == {"start", "load.a", "load.b", "end"}
    for a, b in g["edges"]:  # every edge points right
        assert at[a]["x"] + at[a]["w"] <= at[b]["x"], (a, b)
    [box] = g["groups"]
    assert box["id"] == "load"
    assert {n for n, node in at.items() if _inside(node, box)} == {"load.a", "load.b"}
    assert httpx.get(f"{server.url}/ui/data/dags/{views_dag}/graph").status_code == 401


def test_nested_groups_and_a_big_dag_lay_out() -> None:
    def t(i: str, down: list[str]) -> dict:
        return {"task_id": i, "downstream_task_ids": down}
    dag = {"tasks": [t("s", ["g.a"]), t("g.a", ["g.in.x"]), t("g.in.x", ["e"]), t("e", []),
                     t("lone", [])],
           "task_group_members": {"g": ["g.a", "g.in.x"], "g.in": ["g.in.x"]}}
    g = layout(dag)
    boxes = {b["id"]: b for b in g["groups"]}
    at = {n["id"]: n for n in g["nodes"]}
    assert _inside(at["g.in.x"], boxes["g.in"]) and _inside(at["g.in.x"], boxes["g"])
    assert not _inside(at["g.a"], boxes["g.in"])
    assert not any(_inside(at[n], boxes["g"]) for n in ("s", "e", "lone"))
    big = layout({"tasks": [t(f"t{i}", [f"t{i + 1}"] if i % 50 else []) for i in range(500)]})
    assert len(big["nodes"]) == 500
    assert len({(n["x"], n["y"]) for n in big["nodes"]}) == 500  # no two on one spot


def test_graph_colours_zoom_pan_and_links(views_dag: str, signed_in) -> None:
    page = signed_in(path=f"/dags/{views_dag}/graph")
    expect(page.get_by_role("status")).to_have_text("4 tasks, 1 groups")
    start = page.locator('.node[data-task-id="start"]')
    expect(start).to_have_attribute("data-state", "success")
    expect(page.locator('.node[data-task-id="end"]')).not_to_have_attribute("data-state",
                                                                           "success")
    expect(page.locator(".group")).to_have_attribute("aria-label", "Task group load")
    svg = page.locator("svg.graph")
    before = svg.get_attribute("viewBox")
    page.get_by_role("button", name="Zoom in").click()
    zoomed = svg.get_attribute("viewBox")
    assert float(zoomed.split()[2]) < float(before.split()[2])
    box = page.locator("#graph").bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 120, box["y"] + 60)
    page.mouse.up()
    assert svg.get_attribute("viewBox").split()[:2] != zoomed.split()[:2]  # panned
    page.get_by_role("button", name="Fit").click()
    assert svg.get_attribute("viewBox") == before
    start.click()
    expect(page).to_have_url(re.compile(rf"/dags/{views_dag}/runs/g1/tasks/start$"))
    page.go_back()
    page.get_by_role("link", name="Code").click()
    expect(page.get_by_label("DAG source code")).to_contain_text('TaskGroup("load")')


def test_details_render_doc_md_safely(views_dag: str, signed_in) -> None:
    page = signed_in(path=f"/dags/{views_dag}/details")
    doc = page.locator("#doc")
    expect(doc.get_by_role("heading", name="Runbook")).to_be_visible()
    expect(doc.locator("strong")).to_have_text("ops")
    expect(doc.get_by_role("link", name="the wiki")).to_have_attribute(
        "href", "https://example.com/wiki")
    expect(doc).to_contain_text("<script>window.pwned = 1</script>")  # shown, not run
    expect(doc.locator("script, img")).to_have_count(0)
    expect(doc.get_by_role("link", name="bad")).to_have_count(0)
    expect(doc.get_by_role("listitem")).to_have_count(2)
    assert page.evaluate("window.pwned") is None
    about = page.locator("#about")
    expect(about).to_contain_text("alice")
    expect(about).to_contain_text("team-a")
    expect(about).to_contain_text("@daily")
    expect(page.locator("#params")).to_contain_text("size")
    expect(page.get_by_role("link", name="Details")).to_have_attribute("aria-current", "page")


def test_pause_switch_on_every_dag_view(views_dag: str, signed_in, api: httpx.Client) -> None:
    page = signed_in(path=f"/dags/{views_dag}/details")
    switch = page.get_by_role("switch", name=f"Active: {views_dag}")
    expect(switch).to_be_enabled()
    was_paused = api.get(f"/dags/{views_dag}").json()["is_paused"]
    expect(switch).to_be_checked(checked=not was_paused)
    switch.click()
    expect(switch).to_be_checked(checked=was_paused)
    expect(switch).to_be_enabled()
    assert api.get(f"/dags/{views_dag}").json()["is_paused"] is (not was_paused)
    page.get_by_role("link", name="Graph").click()
    expect(page.get_by_role("switch", name=f"Active: {views_dag}")).to_be_checked(
        checked=was_paused)
