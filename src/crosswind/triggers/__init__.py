"""Deferral: triggers (`airflow.triggers.*`), their serialisation and the events they fire."""
