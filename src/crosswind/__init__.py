"""Crosswind: an Airflow-2-compatible workflow orchestrator.

Only the authoring API lives at the top level, so `import crosswind` in a DAG file
stays light (no database or web framework imports).
"""

from crosswind.dags.dag import DAG
from crosswind.dags.decorators import dag, task

__all__ = ["DAG", "dag", "task"]
