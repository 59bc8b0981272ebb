"""`crosswind tasks ...` verbs through the real command, against SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from cli_run import Cli
from test_cli_dag_verbs import with_dags

TWO = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("two", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False) as dag:
    up = BashOperator(task_id="up", bash_command="echo up {{ ds }}")
    down = BashOperator(task_id="down", params={"word": "hi"},
                        bash_command="echo {{ params.word }} {{ ds }} && exit 0")
    up >> down
"""


def test_task_verbs(cli: Cli) -> None:
    with_dags(cli, **{"two.py": TWO})
    cli.run("dags", "backfill", "two", "-s", "2024-01-01", "-e", "2024-01-02")
    assert cli.run("tasks", "list", "two").stdout == "down\nup\n"
    assert "<Task(BashOperator): up>\n    <Task(BashOperator): down>" in cli.run(
        "tasks", "list", "two", "--tree").stdout
    assert cli.run("tasks", "state", "two", "up", "2024-01-01").stdout == "None\n"
    rows = cli.json("tasks", "states-for-dag-run", "two", "backfill__2024-01-01T00:00:00+00:00")
    assert [(r["task_id"], r["state"], r["execution_date"], r["end_date"]) for r in rows] == [
        ("down", None, "2024-01-01T00:00:00+00:00", ""),
        ("up", None, "2024-01-01T00:00:00+00:00", "")]

    rendered = cli.run("tasks", "render", "two", "down", "2024-01-02").stdout
    assert "# property: bash_command\n" in rendered and "echo hi 2024-01-02 && exit 0" in rendered

    blocked = cli.run("tasks", "run", "two", "down", "2024-01-01", ok=False)
    assert blocked.returncode == 1 and "up (None)" in blocked.stderr
    ran = cli.run("tasks", "run", "two", "up", "2024-01-01")
    log = Path(ran.stdout.rsplit("(log: ", 1)[1].rstrip(")\n"))
    assert "up: success" in ran.stdout and "up 2024-01-01" in log.read_text()
    again = cli.run("tasks", "run", "two", "up", "2024-01-01", ok=False)
    assert again.returncode == 1 and "'success' state" in again.stderr
    cli.run("tasks", "run", "two", "up", "2024-01-01", "--force")
    cli.run("tasks", "run", "two", "down", "2024-01-01")
    cli.run("tasks", "run", "two", "up", "2024-01-02", "--mark-success")
    assert cli.run("tasks", "state", "two", "up", "2024-01-02").stdout == "success\n"
    states = {(r["execution_date"][:10], r["task_id"]): r["state"] for d in (
        "2024-01-01", "2024-01-02") for r in cli.json("tasks", "states-for-dag-run", "two", d)}
    assert states == {("2024-01-01", "up"): "success", ("2024-01-01", "down"): "success",
                      ("2024-01-02", "up"): "success", ("2024-01-02", "down"): None}

    asked = cli.run("tasks", "clear", "two", "-t", "^up$", "-d", "-s", "2024-01-01",
                    "-e", "2024-01-01")  # no answer on stdin: nothing cleared
    assert "You are about to delete these 2 tasks:" in asked.stdout
    assert cli.run("tasks", "state", "two", "up", "2024-01-01").stdout == "success\n"
    cli.run("tasks", "clear", "two", "-t", "^up$", "-d", "-s", "2024-01-01", "-e",
            "2024-01-01", "-y")
    for task in ("up", "down"):
        assert cli.run("tasks", "state", "two", task, "2024-01-01").stdout == "None\n"
    assert cli.run("tasks", "state", "two", "up", "2024-01-02").stdout == "success\n"
    missing = cli.run("tasks", "state", "two", "up", "1999-01-01", ok=False)
    assert missing.returncode == 1 and "not found" in missing.stderr
