"""Branching: BranchPythonOperator, @task.branch, and a join with a trigger rule."""
from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator


def _choose(**context):
    return "weekday" if context["params"]["weekday"] else "weekend"


with DAG("e2e_branching", schedule=None, start_date=datetime(2024, 1, 1),
         params={"weekday": True}, tags=["corpus"]):
    choose = BranchPythonOperator(task_id="choose", python_callable=_choose)
    weekday = EmptyOperator(task_id="weekday")
    weekend = EmptyOperator(task_id="weekend")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")

    @task.branch
    def pick_many():
        return ["b1", "b2"]

    b1, b2, b3 = (EmptyOperator(task_id=t) for t in ("b1", "b2", "b3"))
    choose >> [weekday, weekend] >> join
    join >> pick_many() >> [b1, b2, b3]
