"""Many deferred sensors at once (the count and the wait come from the environment)."""

import os
from datetime import datetime, timedelta

from airflow import DAG
from airflow.sensors.time_delta import TimeDeltaSensorAsync

COUNT = int(os.environ.get("DEFER_MANY_COUNT", "500"))
WAIT = float(os.environ.get("DEFER_MANY_WAIT", "40"))

with DAG("defer_many", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=COUNT):
    for i in range(COUNT):
        TimeDeltaSensorAsync(task_id=f"wait_{i:05d}", delta=timedelta(seconds=WAIT))
