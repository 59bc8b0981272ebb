"""Old Airflow module paths that Airflow 2 still accepts."""
from datetime import timedelta

from airflow.models import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator
from airflow.utils.dates import days_ago

args = {"owner": "legacy", "start_date": days_ago(1), "retries": 1}

dag = DAG("corpus_legacy_imports", default_args=args, schedule_interval=timedelta(days=1))

begin = DummyOperator(task_id="begin", dag=dag)
say = BashOperator(task_id="say", bash_command="echo {{ ds_nodash }}", dag=dag)
calc = PythonOperator(task_id="calc", python_callable=lambda: 42, dag=dag)
begin.set_downstream(say)
say >> calc
