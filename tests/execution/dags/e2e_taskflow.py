"""TaskFlow: values flow through XCom between task processes."""
from datetime import datetime

from airflow.decorators import dag, task


@dag(schedule=None, start_date=datetime(2024, 1, 1))
def e2e_taskflow():
    @task
    def extract() -> dict:
        return {"a": 1, "b": 2}

    @task
    def transform(data: dict) -> int:
        return sum(data.values()) * 10

    @task
    def load(total: int, **context) -> str:
        context["ti"].xcom_push(key="extra", value=[total, "pushed"])
        print(f"total={total}")
        return f"loaded {total}"

    load(transform(extract()))


e2e_taskflow()
