"""Native Crosswind imports: chain, cross_downstream and weight rules."""
from datetime import datetime

from crosswind import DAG
from crosswind.dags.baseoperator import chain, cross_downstream
from crosswind.operators import BashOperator, EmptyOperator, PythonOperator

with DAG("corpus_native_operators", schedule="@daily", start_date=datetime(2024, 6, 1),
         end_date=datetime(2024, 12, 31), catchup=True, max_active_tasks=8,
         tags=["corpus", "native"]) as dag:
    a, b, c, d = (EmptyOperator(task_id=x, priority_weight=2) for x in "abcd")
    e = BashOperator(task_id="e", bash_command="echo e", weight_rule="upstream")
    f = PythonOperator(task_id="f", python_callable=print, op_args=["f"], weight_rule="absolute",
                       priority_weight=10)
    chain(a, [b, c], d)
    cross_downstream([d], [e, f])
