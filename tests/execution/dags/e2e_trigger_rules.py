"""A failing task and downstream tasks under every common trigger rule."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

with DAG("e2e_trigger_rules", schedule=None, start_date=datetime(2024, 1, 1),
         tags=["corpus"]) as dag:
    ok = BashOperator(task_id="ok", bash_command="echo ok")
    boom = BashOperator(task_id="boom", bash_command="exit 3")
    skipper = BashOperator(task_id="skipper", bash_command="exit 99")
    rules = ["all_success", "all_failed", "all_done", "one_success", "one_failed",
             "none_failed", "none_skipped", "always", "none_failed_min_one_success"]
    for rule in rules:
        EmptyOperator(task_id=f"after_{rule}", trigger_rule=rule).set_upstream([ok, boom])
    EmptyOperator(task_id="after_skip_all_skipped", trigger_rule="all_skipped") << skipper
    EmptyOperator(task_id="after_skip_all_success") << skipper
