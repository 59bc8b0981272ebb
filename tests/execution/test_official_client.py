"""The official `apache-airflow-client` 2.x works against Crosswind's Airflow dialect.

The client validates every response against Airflow's spec (types, required fields, enums),
so each call below fails if a shape drifts."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from engine_helpers import ENGINE_ENV, database_for

from support.servers import ADMIN, Server

client = pytest.importorskip("airflow_client.client")
from airflow_client.client.api import (  # noqa: E402
    connection_api,
    dag_api,
    dag_run_api,
    event_log_api,
    import_error_api,
    monitoring_api,
    permission_api,
    pool_api,
    role_api,
    task_instance_api,
    user_api,
    variable_api,
    x_com_api,
)
from airflow_client.client.model.action import Action  # noqa: E402
from airflow_client.client.model.action_resource import ActionResource  # noqa: E402
from airflow_client.client.model.connection import Connection  # noqa: E402
from airflow_client.client.model.dag import DAG  # noqa: E402
from airflow_client.client.model.dag_run import DAGRun  # noqa: E402
from airflow_client.client.model.pool import Pool  # noqa: E402
from airflow_client.client.model.resource import Resource  # noqa: E402
from airflow_client.client.model.role import Role  # noqa: E402
from airflow_client.client.model.variable import Variable  # noqa: E402

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "hello.py"


@pytest.fixture(scope="module")
def api_client(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    home = tmp_path_factory.mktemp(f"client-{backend}")
    (home / "dags").mkdir()
    shutil.copy(EXAMPLE, home / "dags" / "hello.py")
    with database_for(backend, home) as url:
        srv = Server(home, url, command="standalone", env=ENGINE_ENV).start()
        conf = client.Configuration(host=srv.url + "/airflow/api/v1", username=ADMIN[0],
                                    password=ADMIN[1])
        try:
            with client.ApiClient(conf) as c:
                yield c
        finally:
            srv.stop()


def test_dags_runs_and_task_instances(api_client: object) -> None:
    dags = dag_api.DAGApi(api_client)
    for _ in range(100):
        if dags.get_dags(dag_id_pattern="hello").total_entries:
            break
        time.sleep(0.05)
    dag = dags.get_dag("hello")
    assert dag.schedule_interval.value == "@daily"
    dags.get_dag_details("hello")
    assert {t.task_id for t in dags.get_tasks("hello").tasks} == {"greet", "shout"}
    assert dags.get_task("hello", "greet").retry_delay.days == 0
    patched = dags.patch_dag("hello", DAG(is_paused=False), update_mask=["is_paused"])
    assert patched.is_paused is False

    runs = dag_run_api.DAGRunApi(api_client)
    run = runs.post_dag_run("hello", DAGRun(conf={"word": "client"}))
    for _ in range(600):
        state = str(runs.get_dag_run("hello", run.dag_run_id).state)
        if state in ("success", "failed"):
            break
        time.sleep(0.05)
    assert state == "success"
    assert runs.get_dag_runs("~").total_entries >= 1

    tis = task_instance_api.TaskInstanceApi(api_client)
    assert len(tis.get_task_instances("hello", run.dag_run_id).task_instances) == 2
    assert str(tis.get_task_instance("hello", run.dag_run_id, "greet").state) == "success"
    assert "hello" in tis.get_log("hello", run.dag_run_id, "greet", 1).content
    xcom = x_com_api.XComApi(api_client).get_xcom_entry("hello", run.dag_run_id, "shout",
                                                         "return_value")
    assert xcom.value == "client"
    assert event_log_api.EventLogApi(api_client).get_event_logs().total_entries >= 1
    import_error_api.ImportErrorApi(api_client).get_import_errors()


def test_resources(api_client: object) -> None:
    monitoring_api.MonitoringApi(api_client).get_health()
    assert monitoring_api.MonitoringApi(api_client).get_version().version
    variables = variable_api.VariableApi(api_client)
    variables.post_variables(Variable(key="client_var", value="v"))
    assert variables.get_variable("client_var").value == "v"
    assert variables.get_variables().total_entries >= 1
    pools = pool_api.PoolApi(api_client)
    pools.post_pool(Pool(name="client_pool", slots=3))
    assert pools.get_pool("client_pool").open_slots == 3
    conns = connection_api.ConnectionApi(api_client)
    conns.post_connection(Connection(connection_id="client_conn", conn_type="http", host="h",
                                     password="pw"))
    assert conns.get_connection("client_conn").host == "h"
    assert user_api.UserApi(api_client).get_user(ADMIN[0]).roles[0].name == "Admin"


def test_roles_permissions_dependencies_and_links(api_client: object) -> None:
    roles = role_api.RoleApi(api_client)
    assert {"Admin", "Op", "User", "Viewer", "Public"} <= {
        r.name for r in roles.get_roles(limit=100).roles}
    read_pools = ActionResource(action=Action(name="can_read"), resource=Resource(name="Pools"))
    made = roles.post_role(Role(name="client_role", actions=[read_pools]))
    assert made.name == "client_role" and made.actions[0].resource.name == "Pools"
    roles.patch_role("client_role", Role(name="client_role2", actions=[]),
                     update_mask=["name"])
    assert len(roles.get_role("client_role2").actions) == 1
    roles.delete_role("client_role2")
    assert {a.name for a in permission_api.PermissionApi(api_client).get_permissions().actions
            } >= {"can_read", "can_edit"}

    runs = dag_run_api.DAGRunApi(api_client).get_dag_runs("hello").dag_runs
    if runs:
        tis = task_instance_api.TaskInstanceApi(api_client)
        deps = tis.get_task_instance_dependencies("hello", runs[0].dag_run_id, "greet")
        assert deps.dependencies == []  # finished: nothing holds it
        tis.get_extra_links("hello", runs[0].dag_run_id, "greet")
