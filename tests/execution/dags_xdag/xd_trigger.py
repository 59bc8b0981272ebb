"""TriggerDagRunOperator: a target DAG that fails on request, controllers that trigger it
with templated conf / dag id, wait for it, or reset a fixed run."""
from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.operators.trigger_dagrun import TriggerDagRunOperator


def _work(**context):
    conf = context["dag_run"].conf
    print(f"message={conf.get('message')} try={context['ti'].try_number}")
    if conf.get("fail") == "yes":
        raise ValueError("asked to fail")
    return conf.get("message")


for target in ("xd_target", "xd_paused_target"):
    with DAG(target, schedule=None, start_date=datetime(2024, 1, 1)):
        PythonOperator(task_id="work", python_callable=_work)

with DAG("xd_controller", schedule=None, start_date=datetime(2024, 1, 1),
         params={"target": "xd_target", "message": "hi", "fail": "no"}):
    TriggerDagRunOperator(
        task_id="trigger",
        trigger_dag_id="{{ params.target }}",
        conf={"message": "{{ params.message }}", "fail": "{{ params.fail }}"},
        wait_for_completion=True,
        poke_interval=0.2,
        allowed_states=["success"],
        failed_states=["failed"],
    )

with DAG("xd_controller_nowait", schedule=None, start_date=datetime(2024, 1, 1),
         params={"target": "xd_paused_target"}):
    TriggerDagRunOperator(task_id="trigger", trigger_dag_id="{{ params.target }}",
                          conf={"message": "queued"})

with DAG("xd_reset_controller", schedule=None, start_date=datetime(2024, 1, 1),
         params={"tag": "one"}):
    TriggerDagRunOperator(
        task_id="trigger",
        trigger_dag_id="xd_target",
        trigger_run_id="fixed_{{ params.tag }}",
        logical_date="2023-06-01T12:00:00+00:00",
        conf={"message": "first"},
        reset_dag_run=True,
        wait_for_completion=True,
        poke_interval=0.2,
    )
