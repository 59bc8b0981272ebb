"""DAGs for the every-call official client test: a mapped fan-out with XCom and a dataset
outlet, a consumer waiting on two datasets (so an event of one stays queued)."""

import pendulum
from airflow import DAG, Dataset
from airflow.decorators import task

FIRST = Dataset("file://client/first")
SECOND = Dataset("file://client/second")

with DAG("client_producer", start_date=pendulum.datetime(2024, 1, 1), schedule=None,
         catchup=False, tags=["client"]):

    @task(outlets=[FIRST])
    def numbers() -> list[int]:
        return [1, 2, 3]

    @task
    def double(x: int) -> int:
        return 2 * x

    double.expand(x=numbers())

with DAG("client_consumer", start_date=pendulum.datetime(2024, 1, 1),
         schedule=[FIRST, SECOND], catchup=False, tags=["client"]):

    @task
    def consume() -> None:
        pass

    consume()
