import pendulum

from airflow import DAG, Dataset
from airflow.datasets import DatasetAlias
from airflow.datasets.metadata import Metadata
from airflow.decorators import task

START = pendulum.datetime(2024, 1, 1, tz="UTC")
raw, clean = Dataset("s3://lake/raw"), Dataset("s3://lake/clean")

with DAG("load", schedule=None, start_date=START):

    @task(outlets=[raw])
    def load():
        yield Metadata(raw, {"rows": 10})  # or: outlet_events[raw].extra = {...}

    load()

with DAG("refine", schedule=(raw & clean) | DatasetAlias("partners"), start_date=START):

    @task(inlets=[raw])
    def refine(*, inlet_events=None):
        print(inlet_events[raw][-1].extra["rows"])

    refine()
