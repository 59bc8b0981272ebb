"""`crosswind triggerer` as its own process, next to `api-server`, `scheduler` and
`dag-processor`: two triggerers share the work; the one holding the triggers is killed
with -9 and the other takes them over once its heartbeat is older than the threshold."""

from __future__ import annotations

import os
import signal
import time

from helpers import ENV, install, query, tis, trigger, wait_run

from support.processes import Process
from support.servers import Server


def test_other_triggerer_takes_over_after_kill_minus_9(tmp_path):
    install(tmp_path, ["defer_many", "waiting_triggers"])
    env = {**ENV, "DEFER_MANY_COUNT": "10",
           "CROSSWIND_TRIGGERER_HEALTH_CHECK_THRESHOLD": "2"}
    server = Server(tmp_path, f"sqlite:///{tmp_path / 'crosswind.db'}", env=env).start()
    parts = [Process([name], server.env, tmp_path / f"{name}.log").start()
             for name in ("dag-processor", "scheduler")]
    first = Process(["triggerer"], server.env, tmp_path / "triggerer-1.log").start()
    parts.append(first)
    try:
        with server.client() as api:
            run_id = trigger(api, "defer_many")
            deadline = time.monotonic() + 60
            while query(tmp_path, "SELECT count(*) FROM triggers "
                        "WHERE triggerer_id IS NOT NULL")[0][0] < 10:
                assert time.monotonic() < deadline, first.log()
                time.sleep(0.1)
            (owner,), = query(tmp_path, "SELECT DISTINCT triggerer_id FROM triggers")
            second = Process(["triggerer"], server.env, tmp_path / "triggerer-2.log").start()
            parts.append(second)
            while not query(tmp_path, "SELECT id FROM jobs WHERE job_type = 'triggerer' "
                            "AND id != :o", o=owner):
                assert time.monotonic() < deadline, second.log()
                time.sleep(0.1)
            os.killpg(first.proc.pid, signal.SIGKILL)
            (tmp_path / "release").touch()
            assert wait_run(api, "defer_many", run_id, timeout=90) == "success", second.log()
            final = tis(api, "defer_many", run_id)
            assert {(ti["state"], ti["try_number"]) for ti in final.values()} == {("success", 1)}
            assert "trigger event(s) submitted" in second.log()
            assert query(tmp_path, "SELECT count(*), max(try_number) FROM task_tries") == [(10, 1)]
    finally:
        for part in reversed(parts):
            part.stop()
        server.stop()
