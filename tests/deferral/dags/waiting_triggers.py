"""A trigger importable from the DAGs folder (the triggerer imports it by class path)."""

import asyncio
import os
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


class ReleaseTrigger(BaseTrigger):
    """Fires once the file `path` exists (tests release many waiting tasks at a moment
    they choose, however long deferring them took on a busy machine)."""

    def __init__(self, path, poll=0.5):
        super().__init__()
        self.path, self.poll = path, poll

    def serialize(self):
        return ("waiting_triggers.ReleaseTrigger", {"path": self.path, "poll": self.poll})

    async def run(self):
        while not os.path.exists(self.path):
            await asyncio.sleep(self.poll)
        yield TriggerEvent(self.path)
