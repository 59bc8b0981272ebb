"""A classic operator mapped over a literal, at most 2 indexes at a time, named by
map_index_template; every other index fails (for listMapped filters)."""

from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("map_limits", schedule=None, start_date=datetime(2024, 1, 1), catchup=False):
    BashOperator.partial(
        task_id="shout", max_active_tis_per_dagrun=2, map_index_template="{{ task.env['N'] }}",
        bash_command='sleep 0.2; [ $((N % 2)) -eq 0 ] && echo "even $N" || exit 1',
    ).expand(env=[{"N": str(i)} for i in range(12)])
