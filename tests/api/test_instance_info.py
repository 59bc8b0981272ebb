"""GET /dagStats, /config, /plugins and /providers, in both dialects."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from support import unique
from support.dag_rows import insert_run, new_dag
from support.databases import database_for
from support.servers import Server

PREFIXES = ["/api/v1", "/airflow/api/v1"]
PLUGIN = '''
from airflow.plugins_manager import AirflowPlugin
from airflow.timetables.interval import CronDataIntervalTimetable


def shout(text):
    return text.upper()


class EveryOther(CronDataIntervalTimetable):
    pass


class InfoPlugin(AirflowPlugin):
    name = "info_plugin"
    macros = [shout]
    timetables = [EveryOther]
'''


@pytest.fixture(scope="module")
def exposed(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that exposes its configuration and has one plugin."""
    home = tmp_path_factory.mktemp(f"info-{backend}")
    (home / "plugins").mkdir()
    (home / "plugins" / "info_plugin.py").write_text(PLUGIN)
    with database_for(backend, home) as url:
        srv = Server(home, url, env={"CROSSWIND_EXPOSE_CONFIG": "true",
                                     "CROSSWIND_BROKER_URL": "redis://:s3cret@broker:6379/0",
                                     "CROSSWIND_PARALLELISM": "7"}).start()
        try:
            yield srv
        finally:
            srv.stop()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_dag_stats_count_runs_per_state_with_zeros(server: Server, prefix: str) -> None:
    a, b = new_dag(server.database_url), new_dag(server.database_url)
    for day, state in ((1, "success"), (2, "success"), (3, "failed"), (4, "running")):
        insert_run(server.database_url, a, datetime(2024, 1, day, tzinfo=UTC), state=state)
    with server.client(prefix=prefix) as api:
        r = api.get("/dagStats", params={"dag_ids": f"{a['dag_id']},{b['dag_id']},no_such_dag"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total_entries"] == 2
        stats = {d["dag_id"]: {s["state"]: s["count"] for s in d["stats"]} for d in body["dags"]}
        assert stats == {
            a["dag_id"]: {"queued": 0, "running": 1, "success": 2, "failed": 1},
            b["dag_id"]: {"queued": 0, "running": 0, "success": 0, "failed": 0},
        }
        assert api.get("/dagStats").status_code == 400
        assert api.get("/dagStats", params={"dag_ids": " , "}).status_code == 400


def test_dag_stats_honour_a_token_confined_to_dags(server: Server, api: httpx.Client) -> None:
    a, b = new_dag(server.database_url), new_dag(server.database_url)
    secret = api.post("/users/admin/tokens", json={
        "name": unique("t"), "scopes": ["read"], "dag_ids": [a["dag_id"]]}).json()["token"]
    with server.client(auth=None, headers={"Authorization": f"Bearer {secret}"}) as c:
        r = c.get("/dagStats", params={"dag_ids": f"{a['dag_id']},{b['dag_id']}"})
        assert [d["dag_id"] for d in r.json()["dags"]] == [a["dag_id"]]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_config_is_403_unless_exposed(server: Server, prefix: str) -> None:
    with server.client(prefix=prefix) as api:
        r = api.get("/config")
        assert r.status_code == 403 and "CROSSWIND_EXPOSE_CONFIG" in r.json()["detail"]
        assert api.get("/config/section/core/option/parallelism").status_code == 403


@pytest.mark.parametrize("prefix", PREFIXES)
def test_exposed_config_maps_airflow_sections_and_hides_secrets(exposed: Server,
                                                                prefix: str) -> None:
    with exposed.client(prefix=prefix) as api:
        body = api.get("/config").json()
        found = {s["name"]: {o["key"]: o["value"] for o in s["options"]} for s in body["sections"]}
        assert found["core"]["parallelism"] == "7"
        assert found["core"]["executor"] == "LocalExecutor"
        assert found["core"]["dags_folder"] == str(exposed.home / "dags")
        assert found["celery"]["broker_url"] == "< hidden >"
        assert found["database"]["sql_alchemy_conn"] == "< hidden >"
        assert found["crosswind"]["parallelism"] == "7"
        assert found["crosswind"]["fernet_key"] == "< hidden >"
        assert "s3cret" not in api.get("/config").text
        one = api.get("/config/section/core/option/parallelism").json()
        assert one == {"sections": [{"name": "core",
                                     "options": [{"key": "parallelism", "value": "7"}]}]}
        text = api.get("/config", params={"section": "scheduler"},
                       headers={"Accept": "text/plain"})
        assert text.headers["content-type"].startswith("text/plain")
        assert text.text.startswith("[scheduler]\n") and "catchup_by_default = False" in text.text
        assert api.get("/config", params={"section": "nope"}).status_code == 404
        assert api.get("/config/section/core/option/nope").status_code == 404
        assert api.get("/config", headers={"Accept": "image/png"}).status_code == 406


def test_config_plugins_and_providers_are_for_op_and_admin(exposed: Server) -> None:
    with exposed.client() as api:
        users = {}
        for role in ("Viewer", "User", "Op"):
            name, pw = unique(role.lower()), "pw-" + unique("p")
            assert api.post("/users", json={
                "username": name, "email": f"{name}@example.com", "password": pw,
                "roles": [{"name": role}], "first_name": "T", "last_name": "U"}).status_code == 200
            users[role] = (name, pw)
    for role, auth in users.items():
        with exposed.client(auth=auth) as c:
            codes = {p: c.get(p).status_code for p in ("/config", "/plugins", "/providers")}
        expected = 200 if role == "Op" else 403
        assert codes == dict.fromkeys(codes, expected), (role, codes)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_plugins_lists_the_loaded_plugin(exposed: Server, prefix: str) -> None:
    with exposed.client(prefix=prefix) as api:
        body = api.get("/plugins").json()
        assert body["total_entries"] == 1
        [plugin] = body["plugins"]
        assert plugin["name"] == "info_plugin"
        assert plugin["source"] == "$PLUGINS_FOLDER/info_plugin.py"
        assert plugin["macros"] == ["info_plugin.shout"]
        assert plugin["timetables"] == ["info_plugin.EveryOther"]
        assert plugin["hooks"] == [] and plugin["appbuilder_views"] == []
        assert api.get("/plugins", params={"offset": 1}).json() == {"plugins": [],
                                                                  "total_entries": 1}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_providers_lists_what_is_built_in(api: httpx.Client, server: Server, prefix: str) -> None:
    with server.client(prefix=prefix) as c:
        body = c.get("/providers").json()
    assert body["total_entries"] == len(body["providers"]) >= 1
    assert {"package_name", "description", "version"} <= set(body["providers"][0])
