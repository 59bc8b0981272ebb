"""Where a task try's log lives (Airflow 2's default layout under the logs folder)."""

from __future__ import annotations

from pathlib import Path


def log_path(
    logs_folder: Path, dag_id: str, run_id: str, task_id: str, try_number: int,
    map_index: int = -1,
) -> Path:
    return Path(log_file(str(logs_folder), dag_id, run_id, task_id, try_number, map_index))


def log_file(
    logs_folder: str, dag_id: str, run_id: str, task_id: str, try_number: int,
    map_index: int = -1,
) -> str:
    """log_path() as a string, built without pathlib (it runs in every task process)."""
    mapped = f"/map_index={map_index}" if map_index >= 0 else ""
    return (f"{logs_folder}/dag_id={dag_id}/run_id={_safe(run_id)}/task_id={task_id}"
            f"{mapped}/attempt={try_number}.log")


def _safe(run_id: str) -> str:
    # run ids contain ':' and '+' (manual__2024-01-01T00:00:00+00:00); '/' would nest folders.
    return run_id.replace("/", "_")
