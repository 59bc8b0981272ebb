"""DateTimeTrigger and TimeDeltaTrigger (`airflow.triggers.temporal`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from crosswind.triggers.base import BaseTrigger, TaskSuccessEvent, TriggerEvent
from crosswind.triggers.serde import aware_datetime

# Sleep at most this long at a time, then look at the clock again: a wall-clock jump
# (NTP, suspend) is noticed within a minute instead of after one long sleep.
MAX_SLEEP = 60.0


class DateTimeTrigger(BaseTrigger):
    """Fires once at `moment` (an aware datetime), with the moment as its payload."""

    def __init__(self, moment: datetime, *, end_from_trigger: bool = False) -> None:
        super().__init__()
        if not isinstance(moment, datetime):
            raise TypeError(f"Expected datetime.datetime type for moment. Got {type(moment)}")
        if moment.tzinfo is None:
            raise ValueError("You cannot pass naive datetimes")
        self.moment = aware_datetime(moment.astimezone(UTC))
        self.end_from_trigger = end_from_trigger

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return ("airflow.triggers.temporal.DateTimeTrigger",
                {"moment": self.moment, "end_from_trigger": self.end_from_trigger})

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # Unlike a fixed polling step, sleep until the moment itself: the event fires within
        # milliseconds of it (the loop's timer), and an idle wait costs nothing.
        while (left := (self.moment - datetime.now(UTC)).total_seconds()) > 0:
            await asyncio.sleep(min(left, MAX_SLEEP))
        if self.end_from_trigger:
            self.log.info("Sensor time condition reached; marking task successful")
            yield TaskSuccessEvent()
        else:
            yield TriggerEvent(self.moment)


class TimeDeltaTrigger(DateTimeTrigger):
    """Fires `delta` from now; serialises as the DateTimeTrigger it is."""

    def __init__(self, delta: timedelta, *, end_from_trigger: bool = False) -> None:
        super().__init__(moment=datetime.now(UTC) + delta, end_from_trigger=end_from_trigger)
