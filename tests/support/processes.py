"""Start real non-HTTP Crosswind processes (`crosswind dag-processor`, ...) for tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


class Process:
    """A `crosswind <args>` subprocess with its own log file; `stop()` ends its group."""

    def __init__(self, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.args = args
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "crosswind", *self.args], env=self.env, stdout=log,
                stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        """Signal the process group; returns the exit code (None if it was not running)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        code, self.proc = self.proc.returncode, None
        return code

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
