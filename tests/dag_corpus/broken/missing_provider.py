"""Broken: imports a provider Crosswind does not ship."""
from datetime import datetime

from airflow import DAG
from airflow.providers.amazon.aws.hooks.s3 import S3Hook  # noqa: F401

with DAG("broken_missing_provider", schedule=None, start_date=datetime(2024, 1, 1)):
    pass
