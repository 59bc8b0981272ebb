"""SmoothOperator (airflow.operators.smooth): Airflow's joke operator, it only logs a line."""

from __future__ import annotations

import logging
from typing import Any

from crosswind.dags.baseoperator import BaseOperator

log = logging.getLogger("crosswind.task")


class SmoothOperator(BaseOperator):
    ui_color = "#e8f7e4"

    def execute(self, context: dict[str, Any]) -> None:
        log.info("Smooth Operator: nothing to do, done smoothly.")
