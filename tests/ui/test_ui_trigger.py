"""Trigger from a form built from the DAG's Params, kept in step with the raw JSON editor;
the server's validation error shown at the field it names."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import expect

from support import unique
from support.dagfiles import add_dags
from support.servers import Server

D = unique("uitrig")
SOURCE = f"""
    from datetime import datetime
    from airflow import DAG
    from airflow.models.param import Param
    from airflow.operators.empty import EmptyOperator
    with DAG("{D}", schedule=None, start_date=datetime(2024, 1, 1), params={{
            "count": Param(5, type="integer", minimum=1, description="How many to make"),
            "colour": Param("red", enum=["red", "green", "blue"]),
            "loud": Param(False, type="boolean"),
            "names": Param(["a"], type="array"),
            "note": "plain default"}}) as dag:
        EmptyOperator(task_id="only")
    """


@pytest.fixture(scope="module")
def trigger_dag(server: Server) -> str:
    assert add_dags(server, {f"{D}.py": SOURCE}).import_errors == 0
    return D


def test_trigger_with_conf_from_the_params_form(trigger_dag: str, signed_in,
                                                api: httpx.Client) -> None:
    page = signed_in(path=f"/dags/{trigger_dag}/grid")
    expect(page.get_by_role("status")).to_contain_text("tasks")
    page.get_by_role("button", name="Trigger").click()
    dialog = page.get_by_role("dialog")
    count = dialog.get_by_label("count")
    expect(count).to_have_value("5")
    expect(dialog).to_contain_text("How many to make")
    expect(dialog.get_by_label("colour")).to_have_value('"red"')
    expect(dialog.get_by_label("note")).to_have_value("plain default")

    count.fill("0")  # below the minimum: the server says so, next to the field
    page.get_by_role("button", name="Trigger run").click()
    expect(dialog.locator("#param-count-error")).to_contain_text("minimum")
    expect(count).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_contain_text("Invalid input for param count")

    count.fill("3")
    dialog.get_by_label("colour").select_option(label="green")
    dialog.get_by_label("loud").check()
    dialog.get_by_label("names").fill('["x", "y"]')
    editor = dialog.get_by_label("Configuration JSON")
    shown = json.loads(editor.input_value())
    assert shown == {"count": 3, "colour": "green", "loud": True, "names": ["x", "y"],
                     "note": "plain default"}
    # The raw editor drives the form too.
    editor.fill(json.dumps({**shown, "note": "from json", "extra": 1}))
    expect(dialog.get_by_label("note")).to_have_value("from json")
    page.get_by_role("button", name="Trigger run").click()
    expect(page.get_by_role("status")).to_contain_text("Triggered")
    run_id = page.get_by_role("status").inner_text().removeprefix("Triggered ")
    run = api.get(f"/dags/{trigger_dag}/dagRuns/{run_id}").json()
    assert run["conf"] == {"count": 3, "colour": "green", "loud": True, "names": ["x", "y"],
                           "note": "from json", "extra": 1}


def test_trigger_with_a_run_id(trigger_dag: str, signed_in, api: httpx.Client) -> None:
    page = signed_in(path=f"/dags/{trigger_dag}/grid")
    expect(page.get_by_role("status")).to_contain_text("tasks")
    page.get_by_role("button", name="Trigger").click()
    page.get_by_text("Run id and logical date").click()
    page.get_by_label("Run id (optional)").fill("named_by_hand")
    page.get_by_role("button", name="Trigger run").click()
    expect(page.get_by_role("status")).to_have_text("Triggered named_by_hand")
    assert api.get(f"/dags/{trigger_dag}/dagRuns/named_by_hand").status_code == 200
    page.get_by_role("button", name="Trigger").click()  # the same id again: 409 inline
    page.get_by_text("Run id and logical date").click()
    page.get_by_label("Run id (optional)").fill("named_by_hand")
    page.get_by_role("button", name="Trigger run").click()
    expect(page.get_by_role("alert")).to_contain_text("named_by_hand")
