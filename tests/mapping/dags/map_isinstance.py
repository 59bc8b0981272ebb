"""`MappedOperator` imported the Airflow ways; a task reports what `isinstance` says of
the DAG's tasks in a real task process (values as Airflow 2.11.2 gives)."""

from datetime import datetime

from airflow.decorators import dag, task
from airflow.models import BaseOperator, MappedOperator
from airflow.models.abstractoperator import AbstractOperator
from airflow.models.mappedoperator import MappedOperator as MappedOperatorToo
from airflow.operators.bash import BashOperator

CLASSES = (MappedOperator, BaseOperator, AbstractOperator, BashOperator)


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_isinstance():
    echo = BashOperator.partial(task_id="echo").expand(bash_command=["echo 1", "echo 2"])
    plain = BashOperator(task_id="plain", bash_command="echo plain")

    @task
    def double(x: int) -> int:
        return 2 * x

    @task
    def report(**context) -> dict:
        dag = context["dag"]
        assert MappedOperator is MappedOperatorToo
        return {tid: [isinstance(dag.task_dict[tid], c) for c in CLASSES]
                for tid in ("echo", "plain", "double")}

    [echo, plain, double.expand(x=[1, 2])] >> report()


map_isinstance()
