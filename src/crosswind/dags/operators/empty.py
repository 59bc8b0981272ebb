"""EmptyOperator (and its old name DummyOperator): does nothing."""

from __future__ import annotations

from typing import Any

from crosswind.dags.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    """A no-op task, used to group or join branches."""

    ui_color = "#e8f7e4"

    def execute(self, context: dict[str, Any]) -> None:
        return None


class DummyOperator(EmptyOperator):
    """Deprecated Airflow name of EmptyOperator."""
