"""Airflow 2 classic style: default_args, cron schedule with catchup, templated bash."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.utils.trigger_rule import TriggerRule

default_args = {
    "owner": "data-eng",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "email_on_failure": False,
    "pool": "default_pool",
}

with DAG(
    dag_id="corpus_airflow_classic",
    description="Nightly extract/load",
    schedule="0 3 * * *",
    start_date=datetime(2024, 1, 1),
    catchup=True,
    max_active_runs=1,
    default_args=default_args,
    tags=["corpus", "classic"],
    params={"table": "events"},
) as dag:
    start = EmptyOperator(task_id="start")
    extract = BashOperator(
        task_id="extract",
        bash_command="echo extracting {{ params.table }} for {{ ds }}",
    )
    load = BashOperator(
        task_id="load",
        bash_command="echo loading {{ ti.xcom_pull(task_ids='extract') }}",
        retries=0,
    )
    end = EmptyOperator(task_id="end", trigger_rule=TriggerRule.ALL_DONE)
    start >> extract >> load >> end
