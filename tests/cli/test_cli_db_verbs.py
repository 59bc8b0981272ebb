"""`crosswind db check|reset|clean` and `roles create` through the real command."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cli_run import Cli, sql_rows
from sqlalchemy import update
from test_cli_dag_verbs import DAILY, with_dags

from crosswind.db.engine import Database
from crosswind.models import DagRun, EventLog


def test_roles_create(sqlite_cli: Cli) -> None:
    cli = sqlite_cli
    assert cli.run("roles", "create", "Analyst", "Ops2").stdout.strip() == "Added 2 role(s)"
    cli.run("roles", "create", "Analyst")  # exists: left as it is
    assert [r["name"] for r in cli.json("roles", "list")] == [
        "Admin", "Analyst", "Op", "Ops2", "Public", "User", "Viewer"]
    bad = cli.run("roles", "create", "a/b", ok=False)
    assert bad.returncode == 2 and "no '/'" in bad.stderr
    cli.run("users", "create", "-u", "ana", "-e", "a@x", "-r", "Analyst", "-p", "pw")
    assert cli.json("users", "list")[0]["roles"] == ["Analyst"]


def test_db_check_clean_reset(cli: Cli) -> None:
    assert cli.run("db", "check").stdout.strip() == "Connection successful."
    with_dags(cli, **{"daily.py": DAILY})
    cli.run("dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-04")
    old, recent = datetime(2024, 2, 1, tzinfo=UTC), datetime.now(UTC) - timedelta(hours=1)
    # Three old finished runs, one recent finished one, one old but still running.
    cli.run("dags", "trigger", "daily", "-e", "2024-03-01")
    db = Database(cli.url, pool_size=1)
    with db.write() as s:  # the rows as the scheduler would have left them
        for day, start, state in ((1, old, "success"), (2, old, "failed"),
                                  (3, old, "success"), (4, recent, "success"), (3, old, "")):
            where = (DagRun.logical_date == datetime(2024, 1, day, tzinfo=UTC) if state
                     else DagRun.run_type == "manual")
            s.execute(update(DagRun).where(where).values(state=state or "running",
                                                         start_date=start))
        s.execute(update(EventLog).where(EventLog.event == "cli_backfill").values(dttm=old))
    db.dispose()
    run_logs = cli.home / "logs" / "dag_id=daily" / "run_id=backfill__2024-01-01T00:00:00+00:00"
    (run_logs / "task_id=first").mkdir(parents=True)
    (run_logs / "task_id=first" / "attempt=1.log").write_text("old log")
    cut = "2024-06-01"

    dry = cli.run("db", "clean", "--clean-before-timestamp", cut, "--dry-run").stdout
    assert "dag_run: 3 would be purged" in dry and "task_instance: 6 would be purged" in dry
    assert "log: 1 would be purged" in dry
    refused = cli.run("db", "clean", "--clean-before-timestamp", cut, ok=False)
    assert refused.returncode == 1 and "did not confirm" in refused.stderr
    assert len(cli.json("dags", "list-runs", "-d", "daily")) == 5

    done = cli.run("db", "clean", "--clean-before-timestamp", cut, "-y").stdout
    assert "dag_run: 3 purged" in done and "log: 1 purged" in done
    left = sorted(r["run_id"] for r in cli.json("dags", "list-runs", "-d", "daily"))
    assert left == ["backfill__2024-01-04T00:00:00+00:00", "manual__2024-03-01T00:00:00+00:00"]
    assert sql_rows(cli.url, "SELECT count(*) FROM task_instances") == [(4,)]
    assert not run_logs.exists()
    only_log = cli.run("db", "clean", "--clean-before-timestamp", "2999-01-01", "-t", "log",
                       "-y").stdout
    assert "dag_run" not in only_log and "log:" in only_log

    cli.run("variables", "set", "k", "v")
    assert "Proceed? (y/n)" in cli.run("db", "reset").stdout  # no answer: nothing dropped
    assert cli.json("variables", "list") == [{"key": "k"}]
    cli.run("db", "reset", "-y")
    assert cli.json("variables", "list") == [] and cli.json("dags", "list") == []
    assert [p["pool"] for p in cli.json("pools", "list")] == ["default_pool"]
