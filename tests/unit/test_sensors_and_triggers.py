"""Sensor and trigger building blocks without the engine: modes, poke-mode timeouts,
backoff, trigger (de)serialisation, the temporal triggers' events."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from crosswind.dags import airflow_shim
from crosswind.dags.context import RunInfo, TIInfo, build_context
from crosswind.dags.dag import DAG
from crosswind.dags.exceptions import AirflowException, TaskDeferred
from crosswind.dags.operators.sensors import BaseSensorOperator, PythonSensor
from crosswind.execution.task_execute import execute_task
from crosswind.triggers import serde
from crosswind.triggers.temporal import DateTimeTrigger, TimeDeltaTrigger


def _context(dag: DAG, task) -> dict:
    now = datetime.now(UTC)
    run = RunInfo(dag_id=dag.dag_id, run_id="r", logical_date=now, data_interval_start=now,
                  data_interval_end=now)
    return build_context(dag=dag, task=task, run=run, ti=TIInfo(task.task_id))


def test_invalid_mode_is_rejected():
    with pytest.raises(AirflowException, match="mode must be one of"):
        BaseSensorOperator(task_id="s", mode="sometimes")


def test_poke_mode_timeout_fails_without_retry_and_soft_fail_skips():
    with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
        hard = PythonSensor(task_id="hard", python_callable=lambda: False, timeout=0.05,
                            poke_interval=0.01, retries=3)
        soft = PythonSensor(task_id="soft", python_callable=lambda: False, timeout=0.05,
                            poke_interval=0.01, soft_fail=True)
    out = execute_task(hard, _context(dag, hard))
    assert (out.state, out.retryable) == ("failed", False)
    assert "Sensor has timed out" in (out.error or "")
    assert execute_task(soft, _context(dag, soft)).state == "skipped"


def test_reschedule_mode_ends_the_poke_up_for_reschedule():
    with DAG("d", start_date=datetime(2024, 1, 1), schedule=None) as dag:
        s = PythonSensor(task_id="s", python_callable=lambda: False, mode="reschedule",
                         poke_interval=30)
    before = datetime.now(UTC)
    out = execute_task(s, _context(dag, s))
    assert out.state == "up_for_reschedule"
    assert before + timedelta(seconds=29) < out.reschedule_date < before + timedelta(seconds=31)


def test_exponential_backoff_grows_and_respects_max_wait():
    s = BaseSensorOperator(task_id="s", poke_interval=2, exponential_backoff=True,
                           timeout=10_000, max_wait=timedelta(seconds=20))
    intervals = [s._next_interval(0.0, lambda: 0.0, n) for n in range(1, 8)]
    assert intervals[0] >= 1 and intervals[3] > intervals[0]
    assert max(intervals) <= 20


def test_serde_round_trips_datetimes_and_timedeltas():
    value = {"at": datetime(2024, 5, 1, 12, tzinfo=UTC), "d": timedelta(seconds=90),
             "n": [1, "x", None], "t": (1, 2)}
    back = serde.decode(serde.encode(value))
    assert back == {**value, "t": [1, 2]}
    with pytest.raises(TypeError):
        serde.encode({"x": object()})


def test_temporal_triggers_serialize_as_airflow_and_fire():
    airflow_shim.install()
    trigger = TimeDeltaTrigger(timedelta(seconds=0.05))
    path, kwargs = trigger.serialize()
    assert path == "airflow.triggers.temporal.DateTimeTrigger"
    again = serde.import_string(path)(**serde.decode(serde.encode(kwargs)))

    async def first():
        async for event in again.run():
            return event

    event = asyncio.run(first())
    assert event.payload == trigger.moment
    with pytest.raises(ValueError, match="naive"):
        DateTimeTrigger(datetime(2024, 1, 1))


def test_defer_raises_task_deferred():
    from crosswind.dags.baseoperator import BaseOperator

    op = BaseOperator(task_id="x")
    with pytest.raises(TaskDeferred) as info:
        op.defer(trigger=TimeDeltaTrigger(timedelta(seconds=1)), method_name="done",
                 kwargs={"a": 1}, timeout=timedelta(seconds=5))
    assert (info.value.method_name, info.value.kwargs) == ("done", {"a": 1})
