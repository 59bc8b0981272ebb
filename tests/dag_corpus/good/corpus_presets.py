"""Several DAGs in one file with preset, legacy schedule_interval and None schedules."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.dates import days_ago

for name, schedule in [("once", "@once"), ("hourly", "@hourly"), ("weekly", "@weekly"),
                       ("monthly", "@monthly"), ("yearly", "@yearly"), ("manual", None)]:
    with DAG(f"corpus_preset_{name}", schedule=schedule, start_date=datetime(2024, 1, 1),
             catchup=False, tags=["corpus", "preset"]) as d:
        EmptyOperator(task_id="noop")
    globals()[f"dag_{name}"] = d

legacy = DAG("corpus_preset_legacy_interval", schedule_interval="@daily",
             start_date=days_ago(2), concurrency=4, dagrun_timeout=timedelta(hours=1))
EmptyOperator(task_id="noop", dag=legacy)

every_30 = DAG("corpus_preset_timedelta", schedule_interval=timedelta(minutes=30),
               start_date=datetime(2024, 1, 1), is_paused_upon_creation=False)
EmptyOperator(task_id="noop", dag=every_30)
