"""Sensors in reschedule mode and deferrable tasks, end to end with real task processes
and the real triggerer of `crosswind standalone`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from helpers import query, tis, trigger, wait_run


def _pokes(home, run_id: str, name: str) -> list[tuple[int, float]]:
    lines = (home / "pokes" / run_id / f"{name}.txt").read_text().splitlines()
    return [(int(a), float(b)) for a, b in (line.split() for line in lines)]


def test_reschedule_sensors_free_their_pool_slot(api, engine):
    assert api.post("/pools", json={"name": "one_slot", "slots": 1}).status_code == 200
    run_id = trigger(api, "defer_reschedule")
    seen: set[str] = set()
    assert wait_run(api, "defer_reschedule", run_id, seen=seen) == "success"
    assert "up_for_reschedule" in seen
    first, second = _pokes(engine.home, run_id, "first"), _pokes(engine.home, run_id, "second")
    # Both needed 3 pokes through one pool slot; they interleaved, so neither held the
    # slot while it waited.
    assert len(first) == len(second) == 3
    assert max(t for _, t in first[:1] + second[:1]) < min(first[-1][1], second[-1][1])
    # Every poke is the same try (Airflow 2.11 does not count reschedules as tries).
    final = tis(api, "defer_reschedule", run_id)
    assert {ti["try_number"] for ti in final.values()} == {1}
    assert {n for n, _ in first + second} == {1}
    rows = query(engine.home, "SELECT task_id, try_number, reschedule_date > start_date "
                 "FROM task_reschedules WHERE run_id = :r", r=run_id)
    assert sorted(rows) == [("first", 1, 1)] * 2 + [("second", 1, 1)] * 2
    tries = query(engine.home, "SELECT task_id, try_number, state FROM task_tries "
                  "WHERE run_id = :r ORDER BY task_id", r=run_id)
    assert tries == [("first", 1, "success"), ("second", 1, "success")]


def test_reschedule_timeout_fails_without_retry_and_soft_fail_skips(api, engine):
    run_id = trigger(api, "defer_reschedule_timeout")
    assert wait_run(api, "defer_reschedule_timeout", run_id) == "failed"
    final = tis(api, "defer_reschedule_timeout", run_id)
    assert (final["times_out"]["state"], final["times_out"]["try_number"]) == ("failed", 1)
    assert final["soft"]["state"] == "skipped"
    pokes = _pokes(engine.home, run_id, "times_out")
    # The timeout counts from the first poke: about 1.5 s / 0.3 s pokes, not one per try.
    assert 2 <= len(pokes) <= 12  # (fewer on a busy machine: each poke is a process)
    first = query(engine.home, "SELECT min(start_date) FROM task_reschedules "
                  "WHERE run_id = :r AND task_id = 'times_out'", r=run_id)[0][0]
    started = datetime.fromisoformat(first).replace(tzinfo=UTC).timestamp()
    assert pokes[-1][1] - started >= 1.5  # the first poke's try start counts (as Airflow)


def test_deferred_tasks_resume_with_their_event(api, engine):
    run_id = trigger(api, "defer_tasks")
    seen: set[str] = set()
    assert wait_run(api, "defer_tasks", run_id, seen=seen) == "success"
    assert "deferred" in seen
    final = tis(api, "defer_tasks", run_id)
    assert {t: ti["state"] for t, ti in final.items()} == {
        "wait": "success", "echo": "success", "at": "success", "after": "success"}
    assert {ti["try_number"] for ti in final.values()} == {1}
    xcom = api.get(f"/dags/defer_tasks/dagRuns/{run_id}/taskInstances/echo/xcomEntries/"
                   "return_value").json()
    assert xcom["value"] in (str({"value": 42, "extra": "kept", "fired_is_datetime": True,
                                  "try_number": 1}),
                             {"value": 42, "extra": "kept", "fired_is_datetime": True,
                              "try_number": 1})
    # XComs pushed before deferring survive the resume.
    before = api.get(f"/dags/defer_tasks/dagRuns/{run_id}/taskInstances/echo/xcomEntries/"
                     "before")
    assert before.status_code == 200, before.text
    # The trigger rows are gone; one task_tries row per try, even across the deferral.
    assert query(engine.home, "SELECT count(*) FROM triggers") == [(0,)]
    tries = query(engine.home, "SELECT task_id, try_number, state FROM task_tries "
                  "WHERE run_id = :r AND task_id IN ('wait', 'echo') ORDER BY task_id",
                  r=run_id)
    assert tries == [("echo", 1, "success"), ("wait", 1, "success")]
    log = api.get(f"/dags/defer_tasks/dagRuns/{run_id}/taskInstances/echo/logs/1",
                  params={"full_content": "true"}).json()["content"]
    assert "DEFERRED" in log and "Resuming attempt 1" in log


def test_deferral_timeout_and_trigger_failure_fail_the_task(api, engine):
    run_id = trigger(api, "defer_failures")
    # While it waits, the API shows its trigger and the triggerer running it, as Airflow.
    deadline = time.monotonic() + 30
    while (ti := api.get(f"/dags/defer_failures/dagRuns/{run_id}/taskInstances/too_slow")
           .json())["state"] != "deferred" or not ti["triggerer_job"]:
        assert time.monotonic() < deadline, ti
        time.sleep(0.05)
    assert ti["trigger"]["classpath"] == "waiting_triggers.EchoTrigger"
    assert ti["triggerer_job"]["job_type"] == "TriggererJob"
    assert wait_run(api, "defer_failures", run_id) == "failed"
    final = tis(api, "defer_failures", run_id)
    assert (final["too_slow"]["state"], final["too_slow"]["try_number"]) == ("failed", 1)
    assert (final["broken"]["state"], final["broken"]["try_number"]) == ("failed", 1)
    slow = api.get(f"/dags/defer_failures/dagRuns/{run_id}/taskInstances/too_slow/logs/1",
                   params={"full_content": "true"}).json()["content"]
    assert "Trigger/execution timeout" in slow
    broken = api.get(f"/dags/defer_failures/dagRuns/{run_id}/taskInstances/broken/logs/1",
                     params={"full_content": "true"}).json()["content"]
    assert "echo trigger was told to fail" in broken


def test_task_sensor_decorator_in_reschedule_mode_passes_its_xcom(api, engine):
    run_id = trigger(api, "defer_sensor_decorator")
    assert wait_run(api, "defer_sensor_decorator", run_id) == "success"
    final = tis(api, "defer_sensor_decorator", run_id)
    assert final["ready"]["try_number"] == 1
    assert len(_pokes(engine.home, run_id, "ready")) == 2
    value = api.get(f"/dags/defer_sensor_decorator/dagRuns/{run_id}/taskInstances/use/"
                    "xcomEntries/return_value").json()["value"]
    assert "ready-value!" in str(value)
