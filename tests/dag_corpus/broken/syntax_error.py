"""Broken: syntax error (airflow dag)."""
from airflow import DAG

with DAG("broken_syntax" schedule=None) as dag:
    pass
