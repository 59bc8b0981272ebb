"""A BashOperator whose command is a template file next to the DAG file."""
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("corpus_bash_script", schedule="*/15 * * * *", start_date=datetime(2024, 1, 1),
         catchup=False, tags=["corpus"], user_defined_macros={"greeting": "hello"}) as dag:
    BashOperator(task_id="script", bash_command="scripts/greet.sh", env={"WHO": "world"},
                 append_env=True)
