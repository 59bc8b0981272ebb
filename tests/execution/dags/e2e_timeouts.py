"""execution_timeout kills the task (and its bash child); dagrun_timeout fails a run."""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("e2e_exec_timeout", schedule=None, start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="sleepy", bash_command="echo BASHPID=$$; sleep 60",
                 execution_timeout=timedelta(seconds=1))

with DAG("e2e_run_timeout", schedule=None, start_date=datetime(2024, 1, 1),
         dagrun_timeout=timedelta(seconds=1)):
    BashOperator(task_id="sleepy", bash_command="sleep 60")
