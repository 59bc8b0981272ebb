"""@task.sensor: a TaskFlow function as a sensor's poke (returns a bool or PokeReturnValue)."""

from __future__ import annotations

from typing import Any

from crosswind.dags.operators.sensors import PythonSensor


class DecoratedSensorOperator(PythonSensor):
    """PythonSensor built by @task.sensor; `multiple_outputs` is accepted as @task passes it."""

    def __init__(self, *, multiple_outputs: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.multiple_outputs = multiple_outputs
