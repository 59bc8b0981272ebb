"""Operators for DAG files: `from crosswind.operators import BashOperator, ...`."""

from crosswind.dags.operators.bash import BashOperator
from crosswind.dags.operators.empty import DummyOperator, EmptyOperator
from crosswind.dags.operators.python import (
    BranchPythonOperator,
    PythonOperator,
    ShortCircuitOperator,
)

__all__ = [
    "BashOperator",
    "BranchPythonOperator",
    "DummyOperator",
    "EmptyOperator",
    "PythonOperator",
    "ShortCircuitOperator",
]
