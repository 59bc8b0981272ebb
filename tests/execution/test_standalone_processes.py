"""The process layout of `crosswind standalone`: API server and scheduler (with the DAG
processor as a thread) while idle; the fork server is forked for the first task try and
stopped again after CROSSWIND_FORK_SERVER_IDLE_TIMEOUT without one, then re-forked."""

from __future__ import annotations

import os
import time
from pathlib import Path

from engine_helpers import ENGINE_ENV, database_for, install_dags, trigger, wait_run

from support.servers import Server


def _tree(root: int) -> list[int]:
    """Live processes under root (root included), zombies left out."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat[0] != "Z":
            children.setdefault(int(stat[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _wait_tree_size(root: int, size: int, timeout: float = 20) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        tree = _tree(root)
        if len(tree) == size:
            return tree
        time.sleep(0.1)
    raise AssertionError(f"expected {size} processes under {root}, have {_tree(root)}")


def test_idle_standalone_is_two_processes_and_the_fork_server_comes_and_goes(tmp_path):
    install_dags(tmp_path)
    env = {**ENGINE_ENV, "CROSSWIND_FORK_SERVER_IDLE_TIMEOUT": "1"}
    with database_for("sqlite", tmp_path) as url:
        srv = Server(tmp_path, url, command="standalone", env=env).start()
        try:
            assert srv.proc is not None
            root = srv.proc.pid
            with srv.client() as api:
                first = trigger(api, "e2e_basic")  # waits until the DAG is parsed
                assert wait_run(api, "e2e_basic", first) == "success"
                # The fork server ran the tries; idle for a second, it is stopped.
                _wait_tree_size(root, 2)
                second = trigger(api, "e2e_basic")
                assert wait_run(api, "e2e_basic", second) == "success"
            assert "restarting" not in srv.log()  # stopped on purpose, not crashed
        finally:
            srv.stop()
