"""The official `apache-airflow-client` reads and writes datasets against the Airflow
dialect (it validates every response against Airflow's spec)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from data_aware.ds_helpers import finished_runs
from execution.engine_helpers import wait_dag
from support.servers import ADMIN

client = pytest.importorskip("airflow_client.client")
from airflow_client.client.api import dag_api, dataset_api  # noqa: E402
from airflow_client.client.model.create_dataset_event import CreateDatasetEvent  # noqa: E402

pytestmark = pytest.mark.slow
U = "s3://cw-test/"


@pytest.fixture(scope="module")
def api_client(engine) -> Iterator[object]:
    with engine.client() as api:
        wait_dag(api, "ds_join")
        wait_dag(api, "ds_either")
    conf = client.Configuration(host=engine.url + "/airflow/api/v1", username=ADMIN[0],
                                password=ADMIN[1])
    with client.ApiClient(conf) as c:
        yield c


def test_client_datasets_events_and_queue(api_client, api) -> None:
    ds = dataset_api.DatasetApi(api_client)
    listed = ds.get_datasets(uri_pattern="cw-test", order_by="uri")
    assert U + "raw_a" in [d.uri for d in listed.datasets]
    one = ds.get_dataset(U + "raw_a")
    assert [c.dag_id for c in one.consuming_dags] == ["ds_join"]
    event = ds.create_dataset_event(CreateDatasetEvent(dataset_uri=U + "raw_a",
                                                       extra={"from": "client"}))
    assert event.extra == {"from": "client", "from_rest_api": True}
    events = ds.get_dataset_events(dataset_id=event.dataset_id)
    assert {"from": "client", "from_rest_api": True} in [e.extra for e in events.dataset_events]
    for _ in range(100):  # the API call queued it; nothing consumes a lone raw_a
        queued = ds.get_dag_dataset_queued_events("ds_join")
        if queued.total_entries:
            break
        time.sleep(0.05)
    assert queued.total_entries == 1
    assert ds.get_dag_dataset_queued_event("ds_join", U + "raw_a").dag_id == "ds_join"
    assert ds.get_dataset_queued_events(U + "raw_a").total_entries == 1
    ds.delete_dag_dataset_queued_event("ds_join", U + "raw_a")
    with pytest.raises(client.ApiException) as err:
        ds.get_dag_dataset_queued_events("ds_join")
    assert err.value.status == 404

    ds.create_dataset_event(CreateDatasetEvent(dataset_uri=U + "joined"))
    [run] = finished_runs(api, "ds_either", 1)
    upstream = ds.get_upstream_dataset_events("ds_either", run["dag_run_id"])
    assert [e.dataset_uri for e in upstream.dataset_events] == [U + "joined"]
    assert upstream.dataset_events[0].created_dagruns[0].dag_id == "ds_either"
    detail = dag_api.DAGApi(api_client).get_dag_details("ds_either")
    assert detail.dataset_expression == {"any": [U + "joined", {"alias": "cw-alias"}]}
