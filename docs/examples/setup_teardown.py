import pendulum

from airflow import DAG
from airflow.decorators import setup, task, teardown
from airflow.operators.bash import BashOperator

with DAG("nightly_report", schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz="UTC")):

    @setup
    def start_cluster() -> str:
        return "cluster-42"

    @teardown
    def stop_cluster(cluster_id: str) -> None:
        print(f"stopping {cluster_id}")

    @task
    def crunch(cluster_id: str) -> int:
        return len(cluster_id)

    cluster = start_cluster()
    with stop_cluster(cluster):  # crunch runs between the two; stop_cluster always runs
        crunch(cluster)

    grant = BashOperator(task_id="grant", bash_command="echo grant").as_setup()
    revoke = BashOperator(task_id="revoke", bash_command="echo revoke")
    revoke.as_teardown(setups=grant, on_failure_fail_dagrun=True)
    with grant >> revoke:
        BashOperator(task_id="publish", bash_command="echo publish")
