"""The machine's floor for a task process: fork + exit + wait of a warm Python process.

Crosswind's fork server forks one child per try from a process that has imported what a
task needs; this measures just that, with nothing of Crosswind in the child, so engine
figures can be read against what the machine allows (issue 15). The parent first imports
SQLAlchemy, FastAPI and pydantic and holds 30 MB of touched memory, about the size of a
warm fork server.

    python bench/fork_cost.py [--count 300]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300)
    count = parser.parse_args().count

    import fastapi  # noqa: F401 - warm the process as a fork server is
    import pydantic  # noqa: F401
    import sqlalchemy  # noqa: F401

    ballast = bytearray(30 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    walls = []
    before = os.times()
    for _ in range(count):
        start = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        walls.append(time.perf_counter() - start)
    after = os.times()
    parent_cpu = (after.user + after.system - before.user - before.system) / count
    child_cpu = (after.children_user + after.children_system
                 - before.children_user - before.children_system) / count
    print(f"parent RSS {rss:.0f} MiB, {count} forks, load {os.getloadavg()[0]:.1f}")
    print(f"fork+exit+wait wall: median {statistics.median(walls) * 1000:.2f} ms, "
          f"p90 {sorted(walls)[int(0.9 * count)] * 1000:.2f} ms")
    print(f"CPU per fork: parent {parent_cpu * 1000:.2f} ms, child {child_cpu * 1000:.2f} ms")


if __name__ == "__main__":
    main()
