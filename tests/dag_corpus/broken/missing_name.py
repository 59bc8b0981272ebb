"""Broken: imports a name the Airflow module does not have (dag)."""
from airflow.operators.bash import NoSuchOperator  # noqa: F401
