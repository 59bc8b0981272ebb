"""Many deferred tasks at once, released together when $CROSSWIND_HOME/release exists
(the count comes from the environment)."""

import os
from datetime import datetime

from airflow import DAG
from airflow.models.baseoperator import BaseOperator
from waiting_triggers import ReleaseTrigger

COUNT = int(os.environ.get("DEFER_MANY_COUNT", "500"))


class WaitForRelease(BaseOperator):
    def execute(self, context):
        release = os.path.join(os.environ["CROSSWIND_HOME"], "release")
        self.defer(trigger=ReleaseTrigger(release), method_name="done")

    def done(self, context, event=None):
        return event


with DAG("defer_many", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=COUNT):
    for i in range(COUNT):
        WaitForRelease(task_id=f"wait_{i:05d}")
