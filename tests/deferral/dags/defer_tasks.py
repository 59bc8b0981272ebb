"""Deferrable tasks: TimeDeltaSensorAsync, a user trigger resuming with its event, a
deferral that times out, a trigger that fails, DateTimeSensorAsync."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.baseoperator import BaseOperator
from airflow.operators.python import PythonOperator
from airflow.sensors.date_time import DateTimeSensorAsync
from airflow.sensors.time_delta import TimeDeltaSensorAsync
from waiting_triggers import EchoTrigger


class EchoOperator(BaseOperator):
    def __init__(self, *, value, seconds=0.2, fail=False, timeout=None, **kwargs):
        super().__init__(**kwargs)
        self.value, self.seconds, self.fail, self.wait_timeout = value, seconds, fail, timeout

    def execute(self, context):
        context["ti"].xcom_push(key="before", value="pushed before deferring")
        self.defer(trigger=EchoTrigger(self.value, self.seconds, self.fail),
                   method_name="resumed", kwargs={"extra": "kept"}, timeout=self.wait_timeout)

    def resumed(self, context, event=None, extra=None):
        return {"value": event["value"], "extra": extra,
                "fired_is_datetime": isinstance(event["fired"], datetime),
                "try_number": context["ti"].try_number}


with DAG("defer_tasks", start_date=datetime(2024, 1, 1), schedule=None):
    wait = TimeDeltaSensorAsync(task_id="wait", delta=timedelta(seconds=1.5))
    echo = EchoOperator(task_id="echo", value=42, seconds=0.3)
    soon = "{{ (dag_run.start_date + macros.timedelta(seconds=1)).isoformat() }}"
    at = DateTimeSensorAsync(task_id="at", target_time=soon)
    after = PythonOperator(task_id="after", python_callable=lambda: "done")
    [wait, echo, at] >> after

with DAG("defer_failures", start_date=datetime(2024, 1, 1), schedule=None):
    # Long enough for the test to see it deferred with its triggerer (started on demand).
    EchoOperator(task_id="too_slow", value=1, seconds=3600, timeout=timedelta(seconds=6))
    EchoOperator(task_id="broken", value=1, seconds=0.1, fail=True)
