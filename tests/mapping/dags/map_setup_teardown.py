"""A mapped setup and a mapped teardown around failing work: the teardown indexes still
run, the run fails by its work (teardowns aside), as Airflow 2.11.2."""

from datetime import datetime

from airflow.decorators import dag, setup, task, teardown


@dag(schedule=None, start_date=datetime(2024, 1, 1), catchup=False)
def map_setup_teardown():
    @setup
    def create(n: int) -> str:
        if n == 3:
            raise RuntimeError("setup of 3 fails")
        return f"res{n}"

    @task
    def work(resources) -> None:
        raise ValueError(f"work fails over {list(resources)}")

    @task
    def after_work() -> str:
        return "after"

    @teardown
    def drop(n: int) -> str:
        return f"dropped{n}"

    made = create.expand(n=[1, 2])
    done = drop.expand(n=[1, 2])
    w = work(made)
    w >> after_work()
    w >> done
    made >> done

    @teardown
    def drop3(n: int) -> str:
        return f"dropped{n}"

    made3 = create.override(task_id="create3").expand(n=[2, 3])
    done3 = drop3.expand(n=[5])
    made3 >> work.override(task_id="work3")(made3) >> done3
    made3 >> done3


map_setup_teardown()
