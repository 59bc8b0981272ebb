"""A parse child never outlives the process that forked it: when the DAG processor is
killed (even with SIGKILL) nobody enforces the parse timeout any more, so the kernel
kills the child (PR_SET_PDEATHSIG) instead of leaving a hanging DAG file running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path


def _state(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


def test_parse_child_dies_with_a_killed_parent(tmp_path: Path) -> None:
    hang = tmp_path / "hang.py"
    hang.write_text("# dag airflow\nimport time\ntime.sleep(600)\n")
    code = ("from crosswind.dags.parser import parse_files_isolated\n"
            f"parse_files_isolated([{str(hang)!r}], timeout=300)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not (kids := _children(parent.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert kids, "the parser never forked a child"
    finally:
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 10
    while any(_state(k) not in (None, "Z") for k in kids) and time.monotonic() < deadline:
        time.sleep(0.05)
    survivors = [k for k in kids if _state(k) not in (None, "Z")]
    for k in survivors:  # never leave one behind, even when the test fails
        os.kill(k, signal.SIGKILL)
    assert survivors == []
