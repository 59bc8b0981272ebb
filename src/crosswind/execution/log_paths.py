"""Where a task try's log lives (Airflow 2's default layout under the logs folder)."""

from __future__ import annotations

from pathlib import Path


def log_path(
    logs_folder: Path, dag_id: str, run_id: str, task_id: str, try_number: int,
    map_index: int = -1,
) -> Path:
    path = logs_folder / f"dag_id={dag_id}" / f"run_id={_safe(run_id)}" / f"task_id={task_id}"
    if map_index >= 0:
        path = path / f"map_index={map_index}"
    return path / f"attempt={try_number}.log"


def _safe(run_id: str) -> str:
    # run ids contain ':' and '+' (manual__2024-01-01T00:00:00+00:00); '/' would nest folders.
    return run_id.replace("/", "_")
