"""`crosswind dags ...` verbs through the real command, against SQLite and PostgreSQL."""

from __future__ import annotations

import json
import textwrap
from datetime import datetime, timedelta

from cli_run import Cli, sql_rows

DAILY = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

with DAG("daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         max_active_runs=2, tags=["t1"]) as dag:
    EmptyOperator(task_id="first") >> BashOperator(task_id="second", bash_command="echo {{ ds }}")

with DAG("manual_only", schedule=None, start_date=datetime(2024, 1, 1)) as other:
    EmptyOperator(task_id="only")
"""
BROKEN = "from airflow import DAG\nraise RuntimeError('kaboom in this DAG file')\n"


def with_dags(cli: Cli, **files: str) -> None:
    folder = cli.home / "dags"
    folder.mkdir(exist_ok=True)
    for name, source in files.items():
        (folder / name).write_text(textwrap.dedent(source))
    out = cli.run("dags", "reserialize").stdout
    assert "DAG(s) stored" in out



def test_dag_listing_and_parsing_verbs(sqlite_cli: Cli) -> None:
    cli = sqlite_cli
    with_dags(cli, **{"daily.py": DAILY, "broken.py": BROKEN})
    listed = cli.json("dags", "list")
    assert [(d["dag_id"], d["owners"], d["is_paused"]) for d in listed] == [
        ("daily", ["airflow"], "True"), ("manual_only", ["airflow"], "True")]
    assert listed[0]["fileloc"].endswith("daily.py")
    assert cli.json("dags", "list", "--columns", "dag_id,tags")[0] == {"dag_id": "daily",
                                                                       "tags": ["t1"]}
    [err] = cli.json("dags", "list-import-errors")
    assert err["filepath"].endswith("broken.py") and "kaboom" in err["error"]

    nxt = cli.run("dags", "next-execution", "daily", "-n", "2")
    first, second = (datetime.fromisoformat(x) for x in nxt.stdout.split())
    assert second - first == timedelta(days=1) and "PAUSED" in nxt.stderr
    none = cli.run("dags", "next-execution", "manual_only")
    assert none.stdout.strip() == "None" and "No following schedule" in none.stderr

    [detail] = cli.json("dags", "details", "daily")
    assert detail["dag_id"] == "daily" and detail["max_active_runs"] == "2"
    assert detail["schedule_interval"] == {"__type": "CronExpression", "value": "@daily"}
    table = cli.run("dags", "details", "daily").stdout
    assert "property_name" in table and "timetable_description" in table

    dot = cli.run("dags", "show", "daily").stdout
    assert dot.startswith("digraph daily {") and "\tfirst -> second\n" in dot
    saved = cli.home / "g.dot"
    cli.run("dags", "show", "daily", "--save", str(saved))
    assert saved.read_text().strip() == dot.strip()

    report = {r["file"]: r for r in cli.json("dags", "report")}
    assert report["/daily.py"]["dag_num"] == "2" and report["/daily.py"]["task_num"] == "3"
    assert report["/daily.py"]["dags"] == "['daily', 'manual_only']"
    assert report["/broken.py"]["dag_num"] == "0"

    assert "marked" not in cli.run("dags", "reserialize", "--clear-only").stdout
    missing = cli.run("dags", "details", "nope", ok=False)
    assert missing.returncode == 1 and "'nope'" in missing.stderr


def test_dag_state_changing_verbs(cli: Cli) -> None:
    with_dags(cli, **{"daily.py": DAILY})
    assert cli.json("dags", "unpause", "daily") == [{"dag_id": "daily", "is_paused": "False"}]
    assert cli.run("dags", "unpause", "daily").stdout.strip() == "No paused DAGs were found"
    assert cli.json("dags", "pause", "^da", "--treat-dag-id-as-regex", "-y") == [
        {"dag_id": "daily", "is_paused": "True"}]
    assert cli.json("dags", "list")[0]["is_paused"] == "True"

    [run] = cli.json("dags", "trigger", "daily", "-e", "2024-02-01", "-c", '{"k": 1}',
                     "-r", "mine")
    assert (run["dag_run_id"], run["state"], run["logical_date"], run["conf"]) == (
        "mine", "queued", "2024-02-01 00:00:00+00:00", {"k": "1"})
    assert cli.run("dags", "state", "daily", "2024-02-01").stdout == 'queued, {"k": 1}\n'
    assert cli.run("dags", "state", "daily", "2030-01-01").stdout == "None\n"
    cli.run("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-02")
    runs = cli.json("dags", "list-runs", "-d", "daily")
    assert [r["run_id"] for r in runs] == [
        "mine", "backfill__2024-01-02T00:00:00+00:00", "backfill__2024-01-01T00:00:00+00:00"]
    assert runs[0]["execution_date"] == "2024-02-01T00:00:00+00:00"
    assert runs[0]["start_date"] == ""
    assert [r["run_id"] for r in cli.json("dags", "list-runs", "-d", "daily",
                                          "--no-backfill")] == ["mine"]
    assert len(cli.json("dags", "list-runs", "-d", "daily", "-s", "2024-01-02",
                        "-e", "2024-01-31")) == 1

    refused = cli.run("dags", "delete", "daily", ok=False)  # no -y and no answer: cancelled
    assert "Proceed? (y/n)" in refused.stdout and len(cli.json("dags", "list")) == 2
    assert cli.run("dags", "delete", "daily", "-y").stdout.strip() == "Removed 10 record(s)"
    assert [d["dag_id"] for d in cli.json("dags", "list")] == ["manual_only"]
    assert sql_rows(cli.url, "SELECT count(*) FROM dag_runs WHERE dag_id = 'daily'") == [(0,)]
    gone = cli.run("dags", "delete", "daily", "-y", ok=False)
    assert gone.returncode == 1 and "daily" in gone.stderr


def test_backfill_30_days(cli: Cli) -> None:
    with_dags(cli, **{"daily.py": DAILY})
    dry = cli.run("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-30",
                  "--dry-run").stdout.splitlines()
    assert len(dry) == 31 and dry[-1] == "30 run(s) would be created, 0 exist already"
    assert cli.json("dags", "list-runs", "-d", "daily") == []

    done = cli.run("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-30",
                   "-c", '{"why": "history"}')
    assert "Created 30 backfill run(s) of daily" in done.stdout
    assert "paused" in done.stderr  # a paused DAG's runs wait: the command does not
    rows = sql_rows(cli.url, "SELECT run_id, run_type, state, logical_date, data_interval_start,"
                          " data_interval_end FROM dag_runs ORDER BY logical_date")
    assert len(rows) == 30
    day = datetime(2024, 1, 1)
    for i, (run_id, run_type, state, logical, start, end) in enumerate(rows):
        want = day + timedelta(days=i)
        assert run_id == f"backfill__{want.isoformat()}+00:00"
        assert (run_type, state) == ("backfill", "queued")
        naive = [v.replace(tzinfo=None) if isinstance(v, datetime) else
                 datetime.fromisoformat(v).replace(tzinfo=None) for v in (logical, start, end)]
        assert naive == [want, want, want + timedelta(days=1)]
    tis = sql_rows(cli.url, "SELECT count(*) FROM task_instances WHERE dag_id = 'daily'")
    assert tis == [(60,)]

    again = cli.run("dags", "backfill", "daily", "-s", "2024-01-30", "-e", "2024-02-01")
    assert "Created 2 backfill run(s) of daily, 1 existing left as they are" in again.stdout
    cli.run("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-01",
            "--reset-dagruns", "-y")
    nothing = cli.run("dags", "backfill", "manual_only", "-s", "2024-01-01", "-e",
                      "2024-01-02", ok=False)
    assert nothing.returncode == 1 and "No run dates were found" in nothing.stderr
    assert json.loads(cli.run("dags", "list-runs", "-d", "daily", "-o", "json",
                              "--state", "queued").stdout)[0]["run_id"].startswith("backfill")


SLOW = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("slow", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         max_active_runs=2) as dag:
    BashOperator(task_id="work", bash_command="sleep 0.3")
"""


def test_backfill_waits_and_keeps_max_active_runs(sqlite_cli: Cli) -> None:
    from support.processes import Process

    cli = sqlite_cli
    with_dags(cli, **{"slow.py": SLOW})
    cli.run("dags", "unpause", "slow")
    scheduler = Process(["scheduler"], cli.env(), cli.home / "scheduler.log").start()
    try:
        done = cli.run("dags", "backfill", "slow", "-s", "2024-01-01", "-e", "2024-01-05")
    finally:
        scheduler.stop()
    assert "Created 5 backfill run(s) of slow" in done.stdout
    assert "Backfill of slow finished: 5 success, 0 failed" in done.stdout
    assert "5/5" in done.stdout  # the progress bar's last state
    spans = [(datetime.fromisoformat(str(a)), datetime.fromisoformat(str(b))) for a, b in sql_rows(
        cli.url, "SELECT start_date, end_date FROM dag_runs WHERE state = 'success'")]
    assert len(spans) >= 5
    for start, _ in spans:  # at no run's start were more than 2 runs running
        assert sum(1 for a, b in spans if a <= start < b) <= 2
