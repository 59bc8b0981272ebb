"""Every operation of the official `apache-airflow-client` 2.x against `/airflow/api/v1`.

The client validates each response against Airflow's spec, so a call fails if a shape
drifts. The last assertion compares the calls made with every public method of every
client API class: a client release that adds an operation makes this test fail until it
is called here too."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from engine_helpers import ENGINE_ENV, copy_dags

from support.cluster import wait_for
from support.databases import database_for
from support.servers import ADMIN, Server

client = pytest.importorskip("airflow_client.client")
import airflow_client.client.api as client_apis  # noqa: E402
from airflow_client.client.model.clear_dag_run import ClearDagRun  # noqa: E402
from airflow_client.client.model.clear_task_instances import ClearTaskInstances  # noqa: E402
from airflow_client.client.model.connection import Connection  # noqa: E402
from airflow_client.client.model.create_dataset_event import CreateDatasetEvent  # noqa: E402
from airflow_client.client.model.dag import DAG  # noqa: E402
from airflow_client.client.model.dag_run import DAGRun  # noqa: E402
from airflow_client.client.model.list_dag_runs_form import ListDagRunsForm  # noqa: E402
from airflow_client.client.model.list_task_instance_form import (  # noqa: E402
    ListTaskInstanceForm,
)
from airflow_client.client.model.pool import Pool  # noqa: E402
from airflow_client.client.model.role import Role  # noqa: E402
from airflow_client.client.model.set_dag_run_note import SetDagRunNote  # noqa: E402
from airflow_client.client.model.set_task_instance_note import (  # noqa: E402
    SetTaskInstanceNote,
)
from airflow_client.client.model.update_dag_run_state import UpdateDagRunState  # noqa: E402
from airflow_client.client.model.update_task_instance import UpdateTaskInstance  # noqa: E402
from airflow_client.client.model.update_task_instances_state import (  # noqa: E402
    UpdateTaskInstancesState,
)
from airflow_client.client.model.update_task_state import UpdateTaskState  # noqa: E402
from airflow_client.client.model.user import User  # noqa: E402
from airflow_client.client.model.user_collection_item_roles import (  # noqa: E402
    UserCollectionItemRoles,
)
from airflow_client.client.model.variable import Variable  # noqa: E402

DAGS = Path(__file__).parent / "client_dags"
FIRST, SECOND = "file://client/first", "file://client/second"


def every_client_operation() -> set[tuple[str, str]]:
    """(Api class, method) for every operation the installed client offers."""
    found = set()
    for info in pkgutil.iter_modules(client_apis.__path__):
        module = importlib.import_module(f"{client_apis.__name__}.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if name.endswith("Api") and cls.__module__ == module.__name__:
                found |= {(name, m) for m, f in vars(cls).items()
                          if not m.startswith("_") and callable(f)}
    return found


class Apis:
    """Each client API class by its name; `.call` records which operations ran."""

    def __init__(self, api_client: object) -> None:
        self.client = api_client
        self.called: set[tuple[str, str]] = set()

    def __getattr__(self, cls_name: str) -> Any:
        for info in pkgutil.iter_modules(client_apis.__path__):
            module = importlib.import_module(f"{client_apis.__name__}.{info.name}")
            if hasattr(module, cls_name):
                return _Recorded(getattr(module, cls_name)(self.client), cls_name, self.called)
        raise AttributeError(cls_name)


class _Recorded:
    def __init__(self, api: object, name: str, called: set[tuple[str, str]]) -> None:
        self._api, self._name, self._called = api, name, called

    def __getattr__(self, method: str) -> Callable[..., Any]:
        self._called.add((self._name, method))
        return getattr(self._api, method)


@pytest.fixture(scope="module")
def apis(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Apis]:
    home = tmp_path_factory.mktemp(f"every-call-{backend}")
    copy_dags(DAGS, home)
    env = {**ENGINE_ENV, "CROSSWIND_EXPOSE_CONFIG": "true",
           "CROSSWIND_TEST_CONNECTION": "enabled"}
    with database_for(backend, home) as url:
        srv = Server(home, url, command="standalone", env=env).start()
        conf = client.Configuration(host=srv.url + "/airflow/api/v1", username=ADMIN[0],
                                    password=ADMIN[1])
        try:
            with client.ApiClient(conf) as c:
                yield Apis(c)
        finally:
            srv.stop()


def test_every_operation_of_the_official_client(apis: Apis) -> None:
    a = apis
    # Monitoring, plugins, providers, permissions, config.
    assert str(a.MonitoringApi.get_health().metadatabase.status) == "healthy"
    assert a.MonitoringApi.get_version().version
    a.PluginApi.get_plugins()
    assert a.ProviderApi.get_providers()["total_entries"] >= 1  # the client gives a dict
    assert a.PermissionApi.get_permissions().total_entries >= 1
    assert a.ConfigApi.get_config().sections
    assert a.ConfigApi.get_value("webserver", "expose_config").sections

    # DAGs, tasks, source, import errors, warnings, stats.
    wait_for(lambda: a.DAGApi.get_dags(tags=["client"]).total_entries == 2, 60,
             "the client DAGs")
    errors = wait_for(lambda: a.ImportErrorApi.get_import_errors().import_errors, 60,
                      "import error")
    assert "broken on purpose" in a.ImportErrorApi.get_import_error(
        errors[0].import_error_id).stack_trace
    dag = a.DAGApi.get_dag("client_producer")
    assert a.DAGApi.get_dag_details("client_producer").dag_id == "client_producer"
    assert "client_producer" in a.DAGApi.get_dag_source(dag.file_token).content
    assert {t.task_id for t in a.DAGApi.get_tasks("client_producer").tasks} == {
        "numbers", "double"}
    assert a.DAGApi.get_task("client_producer", "double").task_id == "double"
    a.DAGApi.patch_dag("client_producer", DAG(is_paused=False), update_mask=["is_paused"])
    a.DAGApi.patch_dags("client_%", DAG(is_paused=False), update_mask=["is_paused"])
    a.DAGApi.reparse_dag_file(dag.file_token)
    a.DagWarningApi.get_dag_warnings()

    # A run: the mapped fan-out ends, then its task instances, XCom, logs, tries.
    run = a.DAGRunApi.post_dag_run("client_producer", DAGRun(dag_run_id="client_run_1"))
    rid = run.dag_run_id
    wait_for(lambda: str(a.DAGRunApi.get_dag_run("client_producer", rid).state) == "success",
             60, "the producer run")
    assert a.DAGRunApi.get_dag_runs("client_producer").total_entries == 1
    assert a.DAGRunApi.get_dag_runs_batch(
        ListDagRunsForm(dag_ids=["client_producer"])).total_entries == 1
    a.DAGRunApi.get_upstream_dataset_events("client_producer", rid)
    a.DAGRunApi.set_dag_run_note("client_producer", rid, SetDagRunNote(note="from the client"))
    stats = a.DagStatsApi.get_dag_stats("client_producer")
    assert stats.total_entries == 1

    ti = a.TaskInstanceApi
    assert ti.get_task_instance("client_producer", rid, "numbers").try_number == 1
    assert a.TaskInstanceApi.get_task_instances("client_producer", rid).total_entries == 4
    assert ti.get_task_instances_batch(
        ListTaskInstanceForm(dag_ids=["client_producer"])).total_entries == 4
    mapped = ti.get_mapped_task_instances("client_producer", rid, "double")
    assert sorted(m.map_index for m in mapped.task_instances) == [0, 1, 2]
    assert ti.get_mapped_task_instance("client_producer", rid, "double", 1).map_index == 1
    ti.get_mapped_task_instance_dependencies("client_producer", rid, "double", 1)
    ti.get_task_instance_dependencies("client_producer", rid, "numbers")
    assert ti.get_task_instance_tries("client_producer", rid, "numbers").total_entries == 1
    ti.get_task_instance_try_details("client_producer", rid, "numbers", 1)
    assert ti.get_mapped_task_instance_tries("client_producer", rid, "double", 2
                                             ).total_entries == 1
    ti.get_mapped_task_instance_try_details("client_producer", rid, "double", 2, 1)
    ti.get_extra_links("client_producer", rid, "numbers")
    log = ti.get_log("client_producer", rid, "numbers", 1, full_content=True)
    assert log.content is not None
    ti.set_task_instance_note("client_producer", rid, "numbers", SetTaskInstanceNote(note="n"))
    ti.set_mapped_task_instance_note("client_producer", rid, "double", 0,
                                     SetTaskInstanceNote(note="m"))
    ti.patch_task_instance("client_producer", rid, "numbers",
                           UpdateTaskInstance(dry_run=True, new_state=UpdateTaskState("failed")))
    ti.patch_mapped_task_instance("client_producer", rid, "double", 0,
                                  update_task_instance=UpdateTaskInstance(
                                      dry_run=True, new_state=UpdateTaskState("failed")))
    xcoms = a.XComApi.get_xcom_entries("client_producer", rid, "numbers")
    assert xcoms.total_entries == 1
    assert a.XComApi.get_xcom_entry("client_producer", rid, "numbers", "return_value").value

    # Clearing and setting states, dry runs first.
    a.DAGApi.post_clear_task_instances("client_producer", ClearTaskInstances(
        dry_run=True, dag_run_id=rid, task_ids=["numbers"]))
    a.DAGApi.post_set_task_instances_state("client_producer", UpdateTaskInstancesState(
        dry_run=True, task_id="numbers", dag_run_id=rid, new_state=UpdateTaskState("success")))
    a.DAGRunApi.clear_dag_run("client_producer", rid, ClearDagRun(dry_run=True))
    a.DAGRunApi.update_dag_run_state("client_producer", rid,
                                     UpdateDagRunState(state="failed"))
    assert str(a.DAGRunApi.get_dag_run("client_producer", rid).state) == "failed"

    # Datasets: the producer's success wrote an event of FIRST, which is queued for the
    # consumer (it waits for SECOND too).
    ds = a.DatasetApi
    assert {d.uri for d in ds.get_datasets().datasets} >= {FIRST, SECOND}
    first = ds.get_dataset(FIRST)
    assert first.uri == FIRST
    assert ds.get_dataset_events(dataset_id=first.id).total_entries >= 1
    ds.get_upstream_dataset_events("client_producer", rid)
    assert ds.get_dag_dataset_queued_event("client_consumer", FIRST).uri == FIRST
    assert ds.get_dag_dataset_queued_events("client_consumer").total_entries == 1
    assert ds.get_dataset_queued_events(FIRST).total_entries == 1
    ds.delete_dag_dataset_queued_event("client_consumer", FIRST)
    ds.create_dataset_event(CreateDatasetEvent(dataset_uri=FIRST, extra={"by": "client"}))
    ds.delete_dag_dataset_queued_events("client_consumer")
    ds.create_dataset_event(CreateDatasetEvent(dataset_uri=FIRST))
    ds.delete_dataset_queued_events(FIRST)

    # Resources: variables, pools, connections (and a real probe), users, roles.
    var = a.VariableApi
    var.post_variables(Variable(key="client_var", value="1"))
    var.patch_variable("client_var", Variable(key="client_var", value="2"))
    assert var.get_variable("client_var").value == "2"
    assert var.get_variables().total_entries >= 1
    var.delete_variable("client_var")
    pool = a.PoolApi
    pool.post_pool(Pool(name="client_pool", slots=2))
    pool.patch_pool("client_pool", Pool(name="client_pool", slots=3))
    assert pool.get_pool("client_pool").slots == 3
    assert pool.get_pools().total_entries >= 2
    pool.delete_pool("client_pool")
    conn = a.ConnectionApi
    conn.post_connection(Connection(connection_id="client_conn", conn_type="fs",
                                    extra='{"path": "/"}'))
    conn.patch_connection("client_conn", Connection(connection_id="client_conn",
                                                    conn_type="fs", host="h"))
    assert conn.get_connection("client_conn").host == "h"
    assert conn.get_connections().total_entries >= 1
    assert conn.test_connection(Connection(connection_id="t", conn_type="fs",
                                           extra='{"path": "/"}')).status is True
    conn.delete_connection("client_conn")
    role = a.RoleApi
    role.post_role(Role(name="client_role", actions=[]))
    role.patch_role("client_role", Role(name="client_role", actions=[]))
    assert role.get_role("client_role").name == "client_role"
    assert role.get_roles().total_entries >= 5
    users = a.UserApi
    users.post_user(User(username="client_user", email="c@example.com", first_name="C",
                         last_name="U", password="pw-client-1",
                         roles=[UserCollectionItemRoles(name="Viewer")]))
    users.patch_user("client_user", User(username="client_user", email="c@example.com",
                                         first_name="Cee", last_name="U",
                                         roles=[UserCollectionItemRoles(name="client_role")]))
    assert users.get_user("client_user").first_name == "Cee"
    assert users.get_users().total_entries >= 2
    users.delete_user("client_user")
    role.delete_role("client_role")

    # Event log (everything above was recorded), then deletions.
    logs = a.EventLogApi.get_event_logs(limit=5)
    assert a.EventLogApi.get_event_log(logs.event_logs[0].event_log_id)
    a.DAGRunApi.delete_dag_run("client_producer", rid)
    a.DAGApi.delete_dag("client_consumer")

    missing = every_client_operation() - a.called
    assert not missing, f"official client operations never called: {sorted(missing)}"
