"""A scratch directory made by a setup and removed by its teardown; the work in between
fails when the run's conf says so, and the teardown must still clean up."""

import os
import shutil
import tempfile

import pendulum
from airflow import DAG
from airflow.decorators import setup, task, teardown

with DAG("st_scratch_space", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"),
         schedule=None, catchup=False):

    @setup
    def make_scratch() -> str:
        path = tempfile.mkdtemp(prefix="st-scratch-")
        print(f"made {path}")
        return path

    @task
    def fill(path: str, **context) -> int:
        with open(os.path.join(path, "rows.txt"), "w") as f:
            f.write("1\n2\n3\n")
        if context["dag_run"].conf.get("fail_work"):
            raise RuntimeError("the work broke")
        return 3

    @teardown
    def drop_scratch(path: str) -> None:
        shutil.rmtree(path)
        print(f"removed {path} exists={os.path.exists(path)}")

    scratch = make_scratch()
    with drop_scratch(scratch):
        fill(scratch)
