"""Templating, conf, params and a bash + python pair."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def _show(**context):
    print(f"run_id={context['run_id']} conf={context['dag_run'].conf}")
    return {"ds": context["ds"], "conf_x": context["dag_run"].conf.get("x")}


with DAG("e2e_basic", schedule=None, start_date=datetime(2024, 1, 1),
         params={"who": "world"}) as dag:
    hello = BashOperator(
        task_id="hello",
        bash_command="echo ds={{ ds }} x={{ dag_run.conf.get('x', 'none') }} who={{ params.who }}",
    )
    show = PythonOperator(task_id="show", python_callable=_show)
    hello >> show
