"""DAG.test() for deferrable and rescheduling tasks: as Airflow's dag.test(), the trigger
runs inline (asyncio.run, first event) and the task resumes in the same process; a
reschedule sensor sleeps until its reschedule date and pokes again."""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from crosswind.triggers import serde


async def _first_event(trigger: Any, timeout: float | None) -> Any:
    async def first() -> Any:
        async for event in trigger.run():
            return event
        return None

    return await asyncio.wait_for(first(), timeout)


def _run_coroutine(make: Callable[[], Any]) -> Any:
    """asyncio.run() here, or in a helper thread when this thread already runs an event
    loop (a notebook, an async test harness): dag.test() works in both."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def run_to_end(run_try: Callable[[str | None, dict[str, Any] | None], Any]) -> Any:
    """run_try(next_method, next_kwargs) -> TaskOutcome, repeated until it ends."""
    outcome = run_try(None, None)
    while outcome.state in ("deferred", "up_for_reschedule"):
        if outcome.state == "up_for_reschedule":
            when = outcome.reschedule_date
            time.sleep(max(0.0, (when - datetime.now(UTC)).total_seconds()) if when else 0)
            outcome = run_try(None, None)
            continue
        d = outcome.defer or {}
        trigger = serde.import_string(d["classpath"])(**serde.decode(d["kwargs"]))
        kwargs = serde.decode(d.get("next_kwargs") or {})
        try:
            event = _run_coroutine(functools.partial(_first_event, trigger, d.get("timeout")))
            method = d["method"]
            kwargs["event"] = getattr(event, "payload", None)
        except TimeoutError:
            method, kwargs = "__fail__", {"error": "Trigger/execution timeout"}
        except Exception as exc:  # noqa: BLE001 - the task resumes to fail, as in a triggerer
            method = "__fail__"
            kwargs = {"error": "Trigger failure", "traceback": traceback.format_exception(exc)}
        outcome = run_try(method, kwargs)
    return outcome
