"""BashSensor (airflow.sensors.bash): pokes until a bash command exits 0.

Each poke writes the command to a script in a fresh temporary directory and runs it
there. A non-zero exit means "not yet", unless `retry_exit_code` is set: then only that
code means "not yet" and any other fails the task without retries, as in Airflow 2.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from typing import Any

from crosswind.dags.exceptions import AirflowFailException
from crosswind.dags.operators.bash import _out
from crosswind.dags.operators.sensors import BaseSensorOperator


class BashSensor(BaseSensorOperator):
    template_fields = ("bash_command", "env")

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        output_encoding: str = "utf-8",
        retry_exit_code: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.output_encoding = output_encoding
        self.retry_exit_code = retry_exit_code

    def poke(self, context: dict[str, Any]) -> bool:
        with tempfile.TemporaryDirectory(prefix="crosswindtmp") as tmp_dir:
            script = os.path.join(tmp_dir, self.task_id.replace(".", "_") + ".sh")
            with open(script, "w", encoding="utf-8") as f:
                f.write(self.bash_command)
            _out(f"Running command: {self.bash_command}")
            proc = subprocess.run(
                ["bash", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                cwd=tmp_dir, env=self.env, start_new_session=True, check=False,
            )
        _out("Output:")
        text = proc.stdout.decode(self.output_encoding, errors="backslashreplace")
        for line in text.splitlines():
            _out(line.strip())
        code = proc.returncode
        _out(f"Command exited with return code {code}")
        if code == 0:
            return True
        if self.retry_exit_code is not None and code != self.retry_exit_code:
            raise AirflowFailException(f"Command exited with return code {code}")
        return False
