"""Broken: invalid cron expression."""
from datetime import datetime

from airflow import DAG

dag = DAG("broken_bad_cron", schedule="61 25 * * *", start_date=datetime(2024, 1, 1))
