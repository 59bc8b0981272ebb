"""A trigger importable from the DAGs folder (the triggerer imports it by class path)."""

import asyncio
from datetime import UTC, datetime

from airflow.triggers.base import BaseTrigger, TriggerEvent


class EchoTrigger(BaseTrigger):
    """Waits `seconds`, then fires with the value it was given and when it fired."""

    def __init__(self, value, seconds=0.2, fail=False):
        super().__init__()
        self.value, self.seconds, self.fail = value, seconds, fail

    def serialize(self):
        return ("waiting_triggers.EchoTrigger",
                {"value": self.value, "seconds": self.seconds, "fail": self.fail})

    async def run(self):
        await asyncio.sleep(self.seconds)
        if self.fail:
            raise RuntimeError("echo trigger was told to fail")
        yield TriggerEvent({"value": self.value, "fired": datetime.now(UTC)})
