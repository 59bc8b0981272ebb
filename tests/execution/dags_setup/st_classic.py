"""Classic operators marked with as_setup()/as_teardown(); conf picks which one fails."""

import pendulum
from airflow import DAG
from airflow.operators.bash import BashOperator


def _step(name: str) -> str:
    return f'test "{{{{ dag_run.conf.get("fail") }}}}" != "{name}" && echo "{name} ran"'


def build(dag_id: str, fail_dagrun: bool) -> DAG:
    with DAG(dag_id, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=None,
             catchup=False) as dag:
        lease = BashOperator(task_id="lease_db", bash_command=_step("lease_db")).as_setup()
        load = BashOperator(task_id="load", bash_command=_step("load"))
        report = BashOperator(task_id="report", bash_command=_step("report"))
        release = BashOperator(task_id="release_db", bash_command=_step("release_db"))
        release.as_teardown(setups=lease, on_failure_fail_dagrun=fail_dagrun)
        lease >> load >> report >> release
    return dag


build("st_classic", fail_dagrun=False)
build("st_classic_strict", fail_dagrun=True)
