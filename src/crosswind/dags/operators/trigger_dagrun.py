"""TriggerDagRunOperator (airflow.operators.trigger_dagrun): create a run of another DAG,
optionally wait for it to end.

The run is made through the task runtime backend (`trigger_dag_run`), which in the engine
is the same code `POST /dags/{dag_id}/dagRuns` uses: a queued manual run, external_trigger
true, which a paused target DAG keeps queued until unpaused. The task pushes the run's id
and logical date to XCom (`trigger_run_id`, `trigger_logical_date_iso`); the "Triggered
DAG" extra link is built from the first and the rendered trigger_dag_id.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import AirflowException, AirflowSkipException, DagRunAlreadyExists
from crosswind.dags.operators.time_sensors import parse_moment
from crosswind.dags.runtime import get_backend
from crosswind.dags.utils_dates import utcnow

log = logging.getLogger(__name__)
XCOM_LOGICAL_DATE_ISO = "trigger_logical_date_iso"
XCOM_RUN_ID = "trigger_run_id"
RUN_STATES = ("queued", "running", "success", "failed")


class TriggerDagRunLink:
    """The "Triggered DAG" extra link: the triggered run in the UI's grid view."""

    name = "Triggered DAG"
    airflow_module = "airflow.operators.trigger_dagrun"

    @staticmethod
    def url(trigger_dag_id: str, run_id: str | None) -> str:
        query = urlencode({"dag_run_id": run_id}) if run_id else ""
        return f"/dags/{quote(trigger_dag_id, safe='')}/grid" + (f"?{query}" if query else "")


def _states(values: list[str] | None, default: list[str], what: str) -> list[str]:
    states = [str(getattr(v, "value", v)) for v in values] if values is not None else default
    bad = sorted(set(states) - set(RUN_STATES))
    if bad:
        raise ValueError(f"{bad[0]!r} is not a valid DagRunState ({what})")
    return states


class TriggerDagRunOperator(BaseOperator):
    template_fields = (
        "trigger_dag_id",
        "trigger_run_id",
        "logical_date",
        "conf",
        "wait_for_completion",
        "skip_when_already_exists",
    )
    template_fields_renderers = {"conf": "py"}
    ui_color = "#ffefeb"
    operator_extra_links = (TriggerDagRunLink(),)

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: dict[str, Any] | None = None,
        logical_date: str | datetime | None = None,
        reset_dag_run: bool = False,
        wait_for_completion: bool = False,
        poke_interval: float = 60,
        allowed_states: list[str] | None = None,
        failed_states: list[str] | None = None,
        skip_when_already_exists: bool = False,
        deferrable: bool = False,
        execution_date: str | datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = conf
        self.reset_dag_run = reset_dag_run
        self.wait_for_completion = wait_for_completion
        self.poke_interval = poke_interval
        # Airflow: an empty allowed list means the default, an empty failed list means none.
        self.allowed_states = _states(allowed_states or None, ["success"], "allowed_states")
        self.failed_states = _states(failed_states, ["failed"], "failed_states")
        self.skip_when_already_exists = skip_when_already_exists
        self.deferrable = deferrable  # waits by polling here until deferral is wired
        if execution_date is not None:
            logical_date = execution_date
        if logical_date is not None and not isinstance(logical_date, str | datetime):
            raise TypeError(
                "Expected str or datetime.datetime type for parameter 'logical_date'. "
                f"Got {type(logical_date).__name__}"
            )
        self.logical_date = logical_date

    def serialized_extras(self) -> dict[str, Any]:
        return {"trigger_dag_id": self.trigger_dag_id}

    def _logical(self) -> datetime:
        if isinstance(self.logical_date, datetime):
            return parse_moment(self.logical_date.isoformat())
        if isinstance(self.logical_date, str) and self.logical_date:
            return parse_moment(self.logical_date)
        return utcnow()

    def execute(self, context: dict[str, Any]) -> None:
        logical = self._logical()
        try:
            json.dumps(self.conf)
        except TypeError as exc:
            raise AirflowException("conf parameter should be JSON Serializable") from exc
        run_id = str(self.trigger_run_id or f"manual__{logical.isoformat()}")
        backend = get_backend()
        try:
            run = backend.trigger_dag_run(
                self.trigger_dag_id, run_id=run_id, logical_date=logical, conf=self.conf
            )
        except DagRunAlreadyExists as exc:
            if self.reset_dag_run:
                run = exc.dag_run
                log.info("Clearing %s on %s", self.trigger_dag_id, run.logical_date)
                backend.clear_dag_run(run.dag_id, run.run_id)
            elif self.skip_when_already_exists:
                raise AirflowSkipException(
                    "Skipping due to skip_when_already_exists is set to True and "
                    "DagRunAlreadyExists"
                ) from exc
            else:
                raise
        ti = context["ti"]
        ti.xcom_push(key=XCOM_LOGICAL_DATE_ISO, value=run.logical_date.isoformat())
        ti.xcom_push(key=XCOM_RUN_ID, value=run.run_id)
        if self.wait_for_completion:
            self._wait(run.dag_id, run.run_id, run.logical_date)

    def _wait(self, dag_id: str, run_id: str, logical: datetime) -> None:
        while True:
            log.info("Waiting for %s on %s to become allowed state %s ...",
                     dag_id, logical, self.allowed_states)
            time.sleep(float(self.poke_interval))
            current = get_backend().get_dag_run(dag_id, run_id)
            state = current.state if current is not None else None
            if state in self.failed_states:
                raise AirflowException(f"{dag_id} failed with failed states {state}")
            if state in self.allowed_states:
                log.info("%s finished with allowed state %s", dag_id, state)
                return
