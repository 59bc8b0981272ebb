"""Reschedule-mode sensors: two in a 1-slot pool, a timeout, a soft_fail."""

import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from airflow import DAG
from airflow.decorators import dag, task
from airflow.sensors.base import PokeReturnValue
from airflow.sensors.python import PythonSensor


def _poke(name: str, needed: int, **context) -> bool:
    """Logs each poke (try number and time) and succeeds on the `needed`-th one."""
    folder = Path(os.environ["CROSSWIND_HOME"]) / "pokes" / context["run_id"]
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.txt"
    with log.open("a") as f:
        f.write(f"{context['ti'].try_number} {time.time()}\n")
    return len(log.read_text().splitlines()) >= needed


with DAG("defer_reschedule", start_date=datetime(2024, 1, 1), schedule=None):
    for name in ("first", "second"):
        PythonSensor(task_id=name, python_callable=_poke, op_kwargs={"name": name, "needed": 3},
                     mode="reschedule", poke_interval=0.3, pool="one_slot", retries=2)

with DAG("defer_reschedule_timeout", start_date=datetime(2024, 1, 1), schedule=None):
    PythonSensor(task_id="times_out", python_callable=_poke,
                 op_kwargs={"name": "times_out", "needed": 10**6}, mode="reschedule",
                 poke_interval=0.3, timeout=1.5, retries=2, retry_delay=timedelta(seconds=0))
    PythonSensor(task_id="soft", python_callable=_poke,
                 op_kwargs={"name": "soft", "needed": 10**6}, mode="reschedule",
                 poke_interval=timedelta(seconds=0.3), timeout=1.5, soft_fail=True)


@dag(start_date=datetime(2024, 1, 1), schedule=None)
def defer_sensor_decorator():
    @task.sensor(poke_interval=0.2, timeout=60, mode="reschedule")
    def ready(**context) -> PokeReturnValue:
        done = _poke("ready", 2, **context)
        return PokeReturnValue(is_done=done, xcom_value="ready-value" if done else None)

    @task
    def use(value):
        return value + "!"

    use(ready())


defer_sensor_decorator()
