"""BashOperator: runs `bash -c <command>` in its own process group, streaming output.

The child gets a new session so that killing the task (SIGTERM) can take its whole
process group down: while the command runs, a SIGTERM handler forwards the signal to
the group before the task process handles it as it normally would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Container
from typing import Any

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import AirflowException, AirflowSkipException


def context_to_airflow_vars(context: dict[str, Any]) -> dict[str, str]:
    """AIRFLOW_CTX_* environment variables Airflow gives bash commands."""
    ti = context.get("ti")
    pairs = {
        "AIRFLOW_CTX_DAG_ID": getattr(ti, "dag_id", None),
        "AIRFLOW_CTX_TASK_ID": getattr(ti, "task_id", None),
        "AIRFLOW_CTX_RUN_ID": context.get("run_id"),
        "AIRFLOW_CTX_TRY_NUMBER": getattr(ti, "try_number", None),
        "AIRFLOW_CTX_EXECUTION_DATE": context.get("ts"),
        "AIRFLOW_CTX_DAG_OWNER": getattr(context.get("task"), "owner", None),
    }
    return {k: str(v) for k, v in pairs.items() if v is not None}


class BashOperator(BaseOperator):
    """Run a bash command; the last output line is the XCom return value."""

    template_fields = ("bash_command", "env", "cwd")
    template_fields_renderers = {"bash_command": "bash", "env": "json"}
    template_ext = (".sh", ".bash")
    ui_color = "#f0ede4"

    def __init__(
        self,
        *,
        bash_command: str,
        env: dict[str, str] | None = None,
        append_env: bool = False,
        output_encoding: str = "utf-8",
        skip_exit_code: int | None = None,
        skip_on_exit_code: int | Container[int] | None = 99,
        cwd: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.bash_command = bash_command
        self.env = env
        self.append_env = append_env
        self.output_encoding = output_encoding
        if skip_exit_code is not None:  # old name
            skip_on_exit_code = skip_exit_code
        self.skip_on_exit_code = _as_codes(skip_on_exit_code)
        self.cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None

    def _build_env(self, context: dict[str, Any]) -> dict[str, str]:
        if self.env is None:
            env = dict(os.environ)
        else:
            env = {**os.environ, **self.env} if self.append_env else dict(self.env)
        env.update(context_to_airflow_vars(context))
        return env

    def execute(self, context: dict[str, Any]) -> str | None:
        if self.cwd is not None and not os.path.isdir(self.cwd):
            raise AirflowException(f"Can not find the cwd: {self.cwd}")
        _out(f"Running command: ['bash', '-c', {self.bash_command!r}]")
        with _forward_sigterm(self):
            self._process = subprocess.Popen(
                ["bash", "-c", self.bash_command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=self._build_env(context),
                cwd=self.cwd,
                start_new_session=True,
            )
            try:
                last_line = self._stream_output(self._process)
                code = self._process.wait()
            finally:
                self.on_kill()
        _out(f"Command exited with return code {code}")
        if code in self.skip_on_exit_code:
            raise AirflowSkipException(f"Bash command returned exit code {code}. Skipping.")
        if code != 0:
            raise AirflowException(
                f"Bash command failed. The command returned a non-zero exit code {code}."
            )
        return last_line

    def _stream_output(self, process: subprocess.Popen[bytes]) -> str:
        """Echo the output; returns its last line ('' when there was none, as Airflow)."""
        assert process.stdout is not None
        last_line = ""
        _out("Output:")
        for raw in iter(process.stdout.readline, b""):
            last_line = raw.decode(self.output_encoding, errors="backslashreplace").rstrip("\n")
            _out(last_line)
        return last_line

    def on_kill(self) -> None:
        """Kill the command's process group if it is still there."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)


def _out(line: str) -> None:
    """Write a line to the task's stdout right away, so the task log shows it live."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _as_codes(value: int | Container[int] | None) -> Container[int]:
    if value is None:
        return ()
    return [value] if isinstance(value, int) else value


@contextlib.contextmanager
def _forward_sigterm(op: BashOperator) -> Any:
    """While bash runs, a SIGTERM first kills its process group, then does what it did before."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: Any) -> None:
        op.on_kill()
        signal.signal(signal.SIGTERM, previous)
        if callable(previous):
            previous(signum, frame)
        elif previous == signal.SIG_DFL:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGTERM)

    signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
