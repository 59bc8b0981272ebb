"""Dataset chain for the end-to-end tests (Airflow 2 style; runs on Airflow 2.11 as well).

    ds_raw_a ──raw_a──┐
                      ├── (raw_a & raw_b) ── ds_join ──joined──┐
    ds_raw_b ──raw_b──┘                                        ├── (joined | alias) ── ds_either
    ds_alias_producer ── DatasetAlias("cw-alias") → via_alias ─┘
    POST /datasets/events external ── ds_external
"""

from __future__ import annotations

import pendulum
from airflow import DAG, Dataset
from airflow.datasets import DatasetAlias
from airflow.datasets.metadata import Metadata
from airflow.decorators import task
from airflow.operators.bash import BashOperator

START = pendulum.datetime(2024, 1, 1, tz="UTC")
RAW_A = Dataset("s3://cw-test/raw_a", extra={"owner": "team-a"})
RAW_B = Dataset("s3://cw-test/raw_b")
JOINED = Dataset("s3://cw-test/joined")
VIA_ALIAS = Dataset("s3://cw-test/via_alias")
EXTERNAL = Dataset("s3://cw-test/external")
ALIAS = DatasetAlias("cw-alias")

with DAG("ds_raw_a", schedule=None, start_date=START, catchup=False):

    @task(outlets=[RAW_A])
    def extract_a(*, outlet_events=None):
        outlet_events[RAW_A].extra = {"rows": 3}

    extract_a()

with DAG("ds_raw_b", schedule=None, start_date=START, catchup=False):

    @task(outlets=[RAW_B])
    def extract_b():
        yield Metadata(RAW_B, {"rows": 5})
        return "done"

    extract_b()

with DAG("ds_alias_producer", schedule=None, start_date=START, catchup=False):

    @task(outlets=[ALIAS])
    def through_alias(*, outlet_events=None):
        outlet_events[ALIAS].add(VIA_ALIAS, extra={"via": "alias"})

    through_alias()

with DAG("ds_join", schedule=(RAW_A & RAW_B), start_date=START, catchup=False):

    @task(inlets=[RAW_A, RAW_B], outlets=[JOINED])
    def join(*, inlet_events=None, triggering_dataset_events=None):
        rows = inlet_events[RAW_A][-1].extra["rows"] + inlet_events[RAW_B][-1].extra["rows"]
        return {"rows": rows, "triggered_by": sorted(triggering_dataset_events)}

    join()

with DAG("ds_either", schedule=(JOINED | ALIAS), start_date=START, catchup=False):
    BashOperator(task_id="report", bash_command="echo either {{ dag_run.run_type }}")

with DAG("ds_external", schedule=[EXTERNAL], start_date=START, catchup=False):
    BashOperator(task_id="consume", bash_command="echo external")

with DAG("ds_failing_producer", schedule=None, start_date=START, catchup=False):
    BashOperator(task_id="fails", bash_command="exit 1", outlets=[EXTERNAL])
