"""Admin pages: variables (create, edit, delete, JSON export and import), connections with a
write-only password, pools with occupancy, users and roles, my tokens (the secret shown
once, revoke), the event log with filters, health; a Viewer changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
from playwright.sync_api import expect
from sqlalchemy import select

from crosswind.db.engine import Database
from crosswind.models import Connection
from support import unique
from support.servers import Server


def test_create_edit_and_delete_a_variable(signed_in, api: httpx.Client) -> None:
    key = unique("uivar")
    page = signed_in(path="/admin/variables")
    page.get_by_role("button", name="New variable").click()
    page.get_by_label("Key", exact=True).fill(key)
    page.get_by_label("Value", exact=True).fill("first")
    page.get_by_label("Description", exact=True).fill("made in the UI")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text(f"Created variable {key}.")
    row = page.locator(f'tr[data-id="{key}"]')
    expect(row).to_contain_text("first")
    assert api.get(f"/variables/{key}").json()["value"] == "first"

    page.get_by_role("button", name=f"Edit {key}").click()
    expect(page.get_by_label("Value", exact=True)).to_have_value("first")
    page.get_by_label("Value", exact=True).fill("second")
    page.get_by_role("button", name="Save").click()
    expect(row).to_contain_text("second")
    got = api.get(f"/variables/{key}").json()
    assert (got["value"], got["description"]) == ("second", "made in the UI")

    page.get_by_role("button", name=f"Delete {key}").click()
    expect(page.get_by_role("dialog")).to_contain_text(f"Delete variable {key}?")
    page.get_by_role("dialog").get_by_role("button", name="Delete").click()
    expect(row).to_have_count(0)
    assert api.get(f"/variables/{key}").status_code == 404


def test_variables_export_and_import(signed_in, api: httpx.Client, tmp_path: Path) -> None:
    old, new = unique("uiold"), unique("uinew")
    assert api.post("/variables", json={"key": old, "value": "before"}).status_code == 200
    page = signed_in(path="/admin/variables")
    expect(page.get_by_role("status")).to_contain_text("in all")
    with page.expect_download() as dl:
        page.get_by_role("button", name="Export JSON").click()
    exported = json.loads(Path(dl.value.path()).read_text())
    assert exported[old] == "before"
    file = tmp_path / "vars.json"
    file.write_text(json.dumps({old: "after", new: {"a": 1}}))
    page.get_by_label("Import JSON", exact=True).set_input_files(str(file))
    expect(page.get_by_role("status")).to_have_text("Imported 2 variables (1 new, 1 updated).")
    assert api.get(f"/variables/{old}").json()["value"] == "after"
    assert json.loads(api.get(f"/variables/{new}").json()["value"]) == {"a": 1}


def test_connection_password_is_write_only(signed_in, api: httpx.Client,
                                          server: Server) -> None:
    cid = unique("uiconn")
    page = signed_in(path="/admin/connections")
    page.get_by_role("button", name="New connection").click()
    page.get_by_label("Connection id", exact=True).fill(cid)
    page.get_by_label("Type", exact=True).fill("postgres")
    page.get_by_label("Host", exact=True).fill("db.example")
    page.get_by_label("Password", exact=True).fill("s3cret-pw")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f'tr[data-id="{cid}"]')).to_contain_text("db.example")
    assert "s3cret-pw" not in page.content()
    page.get_by_role("button", name=f"Edit {cid}").click()
    expect(page.get_by_label("Password", exact=True)).to_have_value("")  # never shown
    page.get_by_label("Host", exact=True).fill("db2.example")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f'tr[data-id="{cid}"]')).to_contain_text("db2.example")
    assert "password" not in api.get(f"/connections/{cid}").json()
    # A blank password kept the stored one (encrypted at rest, so compare non-empty).
    db = Database(server.database_url, pool_size=1)
    try:
        with db.read() as s:
            stored = s.scalar(select(Connection.password).where(Connection.conn_id == cid))
    finally:
        db.dispose()
    assert stored and "s3cret-pw" not in stored


def test_pools_show_occupancy(signed_in, api: httpx.Client) -> None:
    name = unique("uipool")
    page = signed_in(path="/admin/pools")
    page.get_by_role("button", name="New pool").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Slots", exact=True).fill("4")
    page.get_by_role("button", name="Save").click()
    row = page.locator(f'tr[data-id="{name}"]')
    expect(row).to_contain_text("0 of 4")
    expect(row.get_by_role("meter")).to_have_attribute("aria-valuenow", "0")
    assert api.get(f"/pools/{name}").json()["slots"] == 4


def test_create_and_revoke_a_token(signed_in, server: Server) -> None:
    page = signed_in(path="/admin/tokens")
    name = unique("uitok")
    page.get_by_role("button", name="New token").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Scopes (comma-separated: read, write, admin)").fill("read")
    page.get_by_role("button", name="Save").click()
    shown = page.get_by_label("Token", exact=True)
    expect(shown).to_have_value(re.compile(r".{20,}"))
    secret = shown.input_value()
    page.get_by_role("button", name="Done").click()
    row = page.locator("tr", has_text=name)
    expect(row).to_contain_text("read")
    assert secret not in page.content()  # shown once, in the dialog only
    bearer = {"Authorization": f"Bearer {secret}"}
    assert httpx.get(server.url + "/api/v1/dags", headers=bearer).status_code == 200
    row.get_by_role("button", name="Revoke").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    expect(page.locator("tr", has_text=name)).to_have_count(0)
    assert httpx.get(server.url + "/api/v1/dags", headers=bearer).status_code == 401


def test_users_roles_event_log_filters_and_health(signed_in, api: httpx.Client) -> None:
    user = unique("uiuser")
    page = signed_in(path="/admin/users")
    page.get_by_role("button", name="New user").click()
    page.get_by_label("Username", exact=True).fill(user)
    page.get_by_label("Email", exact=True).fill(f"{user}@example.com")
    page.get_by_label("First name", exact=True).fill("Ada")
    page.get_by_label("Last name", exact=True).fill("L")
    page.get_by_label("Roles (comma-separated)").fill("Viewer")
    page.get_by_label("Password", exact=True).fill("pw-" + user)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f'tr[data-id="{user}"]')).to_contain_text("Viewer")
    page.get_by_role("button", name=f"Edit {user}").click()
    page.get_by_label("Roles (comma-separated)").fill("Viewer, User")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(f'tr[data-id="{user}"]')).to_contain_text("User, Viewer")
    page.get_by_role("link", name="Roles").click()
    expect(page.locator('tr[data-id="Viewer"]')).to_contain_text("permissions")

    page.goto(page.url.replace("/admin/roles", "/admin/events?event=user.create"))
    expect(page.get_by_label("Event", exact=True)).to_have_value("user.create")
    rows = page.locator("#admin tbody tr")
    expect(rows.first).to_contain_text("user.create")
    expect(page.locator("#admin tbody")).not_to_contain_text("user.edit")
    api.delete(f"/users/{user}")

    page.get_by_role("link", name="Health").click()
    expect(page.locator('tr[data-component="metadatabase"]')).to_contain_text("healthy")


def test_viewer_sees_no_admin_writes_and_the_server_refuses(signed_in, make_user,
                                                            api: httpx.Client) -> None:
    page = signed_in(credentials=make_user("Viewer"), path="/admin")
    tabs = page.get_by_role("navigation", name="Admin")
    expect(tabs.get_by_role("link", name="My tokens")).to_be_visible()
    expect(tabs.get_by_role("link", name="Variables")).to_have_count(0)
    page.goto(page.url.split("/admin")[0] + "/admin/variables")
    expect(page.get_by_role("button", name="New variable")).to_have_count(0)
    status = page.evaluate("""async () => {
        const csrf = document.querySelector('meta[name="csrf-token"]').content;
        const r = await fetch('/api/v1/variables', {method: 'POST',
            body: '{"key": "x", "value": "y"}',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}});
        return r.status;
    }""")
    assert status == 403
