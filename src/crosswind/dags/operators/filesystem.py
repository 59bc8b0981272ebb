"""FileSensor (airflow.sensors.filesystem) and FSHook (airflow.hooks.filesystem).

The path is joined to the base path in the `fs_default` connection's extra
(`{"path": "/data"}`), as Airflow does; a missing connection fails the task like
Airflow's. A glob matching a file, or a directory holding any file (recursively),
satisfies the sensor.
"""

from __future__ import annotations

import glob
import logging
import os
from typing import Any

from crosswind.dags.hooks import BaseHook
from crosswind.dags.operators.sensors import BaseSensorOperator

log = logging.getLogger("crosswind.task")


class FSHook(BaseHook):
    conn_name_attr = "fs_conn_id"
    default_conn_name = "fs_default"
    conn_type = "fs"
    hook_name = "File (path)"

    def __init__(self, fs_conn_id: str = default_conn_name, **_: Any) -> None:
        self.conn = self.get_connection(fs_conn_id)
        self.basepath = self.conn.extra_dejson.get("path", "")

    def get_path(self) -> str:
        return str(self.basepath)

    def get_conn(self) -> None:
        return None


class FileSensor(BaseSensorOperator):
    template_fields = ("filepath",)
    ui_color = "#91818a"

    def __init__(
        self,
        *,
        filepath: str,
        fs_conn_id: str = "fs_default",
        recursive: bool = False,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.filepath = filepath
        self.fs_conn_id = fs_conn_id
        self.recursive = recursive
        self.deferrable = deferrable  # polled in the worker either way

    @property
    def path(self) -> str:
        return os.path.join(FSHook(self.fs_conn_id).get_path(), self.filepath)

    def poke(self, context: dict[str, Any]) -> bool:
        pattern = self.path
        log.info("Poking for file %s", pattern)
        for path in glob.glob(pattern, recursive=self.recursive):
            if os.path.isfile(path):
                log.info("Found File %s", path)
                return True
            for _, _, files in os.walk(path):
                if files:
                    return True
        return False
