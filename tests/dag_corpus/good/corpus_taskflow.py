"""TaskFlow with the native import style: values flow through XCom."""
from datetime import datetime

from crosswind import dag, task


@dag(
    schedule="@daily",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["corpus", "taskflow"],
)
def corpus_taskflow(multiplier: int = 3):
    @task
    def extract() -> dict:
        return {"a": 1, "b": 2}

    @task
    def transform(data: dict, factor: int) -> int:
        return sum(data.values()) * factor

    @task
    def load(total: int) -> str:
        print(f"total={total}")
        return f"loaded {total}"

    load(transform(extract(), multiplier))


corpus_taskflow()
