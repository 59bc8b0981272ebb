"""Variables and connections, at run time and in templates."""
from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def _use_connection(conn_id, **_):
    conn = BaseHook.get_connection(conn_id)
    return {"host": conn.host, "port": conn.port, "uri": conn.get_uri()}


def _use_variable():
    return Variable.get("corpus_setting", default_var="fallback")


with DAG("corpus_vars_conns", schedule=None, start_date=datetime(2024, 1, 1),
         tags=["corpus"]) as dag:
    PythonOperator(task_id="conn", python_callable=_use_connection,
                   op_kwargs={"conn_id": "corpus_db"})
    PythonOperator(task_id="var", python_callable=_use_variable)
    BashOperator(task_id="templated",
                 bash_command="echo {{ var.value.get('corpus_setting', 'none') }} "
                              "{{ conn.corpus_db.host }}")
