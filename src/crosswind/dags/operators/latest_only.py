"""LatestOnlyOperator (airflow.operators.latest_only): in a scheduled run that is not the
latest (a catchup run, or a run started long after its interval), skip the direct
downstream tasks; externally triggered runs always proceed."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from crosswind.dags.operators.branch import BaseBranchOperator
from crosswind.dags.operators.time_rules import is_latest_interval
from crosswind.dags.utils_dates import utcnow

log = logging.getLogger(__name__)


def next_interval(dag: Any, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
    """The data interval of the run after the one covering [start, end), unrestricted by
    start/end dates and catchup (Airflow's dag.next_dagrun_info(..., restricted=False))."""
    from crosswind.scheduling.timetables import DataInterval

    interval = DataInterval(start, end)
    if callable(getattr(dag, "next_dagrun_info", None)):  # Airflow's DAG method, if provided
        info = dag.next_dagrun_info(interval, restricted=False)
    else:
        info = dag.timetable.next_dagrun_info(
            last_automated_data_interval=interval,
            start_date=None, end_date=None, catchup=True, now=utcnow(),
        )
    if info is None:
        return None
    return info.data_interval.start, info.data_interval.end


class LatestOnlyOperator(BaseBranchOperator):
    ui_color = "#e9ffdb"

    def choose_branch(self, context: dict[str, Any]) -> list[str]:
        everything = sorted(self.downstream_task_ids)
        if context["dag_run"].external_trigger:
            log.info("Externally triggered DAG_Run: allowing execution to proceed.")
            return everything
        now = utcnow()
        window = next_interval(
            context["dag"], context["data_interval_start"], context["data_interval_end"]
        )
        if window is None:
            log.info("Last scheduled execution: allowing execution to proceed.")
            return everything
        log.info("Checking latest only with left_window: %s right_window: %s now: %s",
                 window[0], window[1], now)
        if not is_latest_interval(now, window):
            log.info("Not latest execution, skipping downstream.")
            return []
        log.info("Latest, allowing execution to proceed.")
        return everything
