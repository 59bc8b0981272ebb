"""variables, pools, connections, users and roles verbs, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from cli_run import Cli, sql_rows

from crosswind.security import SecretBox, load_fernet_key


def test_variables_round_trip_and_encrypted_at_rest(cli: Cli) -> None:
    assert cli.run("variables", "set", "greeting", "hello").stdout.strip() == \
        "Variable greeting created"
    cli.run("variables", "set", "cfg", '{"a": [1, 2]}', "--json")
    assert cli.json("variables", "list") == [{"key": "cfg"}, {"key": "greeting"}]
    assert cli.run("variables", "get", "greeting").stdout == "hello\n"
    assert cli.run("variables", "get", "cfg", "-j").stdout == "{'a': [1, 2]}\n"
    assert cli.run("variables", "get", "nope", "--default", "d").stdout == "d\n"
    missing = cli.run("variables", "get", "nope", ok=False)
    assert missing.returncode == 1 and "Variable nope does not exist" in missing.stderr

    [(stored,)] = sql_rows(cli.url, "SELECT val FROM variables WHERE key = 'greeting'")
    assert "hello" not in stored
    box = SecretBox(load_fernet_key(None, cli.home))
    assert box.decrypt(stored) == "hello"

    out = cli.home / "vars.json"
    cli.run("variables", "export", str(out))
    assert json.loads(out.read_text()) == {"cfg": {"a": [1, 2]}, "greeting": "hello"}
    cli.run("variables", "delete", "greeting")
    cli.run("variables", "delete", "cfg")
    assert cli.json("variables", "list") == []
    done = cli.run("variables", "import", str(out))
    assert "2 of 2 variables successfully updated." in done.stdout
    assert cli.run("variables", "get", "cfg", "-j").stdout == "{'a': [1, 2]}\n"
    fail = cli.run("variables", "import", str(out), "-a", "fail", ok=False)
    assert fail.returncode == 1 and "already exists" in fail.stderr


def test_pools_round_trip(cli: Cli) -> None:
    cli.run("pools", "set", "small", "2", "two slots", "--include-deferred")
    assert cli.json("pools", "get", "small") == [
        {"pool": "small", "slots": "2", "description": "two slots", "include_deferred": "True"}]
    cli.run("pools", "set", "small", "5", "five")
    assert cli.json("pools", "get", "small")[0]["slots"] == "5"
    out = cli.home / "pools.json"
    assert "Exported 2 pools" in cli.run("pools", "export", str(out)).stdout
    cli.run("pools", "delete", "small")
    assert [p["pool"] for p in cli.json("pools", "list")] == ["default_pool"]
    assert cli.run("pools", "import", str(out)).stdout.strip() == "Uploaded 2 pool(s)"
    assert json.loads(out.read_text())["small"] == {
        "slots": 5, "description": "five", "include_deferred": False}
    refused = cli.run("pools", "delete", "default_pool", ok=False)
    assert refused.returncode == 1 and refused.stderr.strip()


def test_connections_round_trip_encrypted(cli: Cli) -> None:
    cli.run("connections", "add", "pg", "--conn-uri", "postgres://u:p%40ss@db.local:5432/app?x=1")
    added = cli.run("connections", "add", "web", "--conn-type", "http", "--conn-host", "x.org",
                    "--conn-password", "s3cret")
    assert "s3cret" not in added.stdout and "******" in added.stdout
    cli.run("connections", "add", "js", "--conn-json", '{"conn_type": "ftp", "host": "f"}')
    [pg] = cli.json("connections", "get", "pg")
    assert (pg["host"], pg["login"], pg["password"], pg["port"]) == ("db.local", "u", "p@ss",
                                                                     "5432")
    assert pg["extra_dejson"] == {"x": "1"}
    [(stored,)] = sql_rows(cli.url, "SELECT password FROM connections WHERE conn_id = 'web'")
    assert stored and "s3cret" not in stored

    for fmt in ("json", "yaml", "env"):
        out = cli.home / f"conns.{fmt}"
        cli.run("connections", "export", str(out))
        for conn_id in ("pg", "web", "js"):
            cli.run("connections", "delete", conn_id)
        cli.run("connections", "import", str(out))
        rows = {c["conn_id"]: c for c in cli.json("connections", "list")}
        assert rows["pg"]["get_uri"] == pg["get_uri"], fmt
        assert rows["web"]["password"] == "s3cret" and rows["js"]["conn_type"] == "ftp"
    dup = cli.run("connections", "add", "pg", "--conn-type", "http", ok=False)
    assert dup.returncode == 1 and "already exists" in dup.stderr
    both = cli.run("connections", "add", "z", "--conn-uri", "a://b", "--conn-json", "{}", ok=False)
    assert both.returncode == 1 and "Cannot supply both" in both.stderr


def test_users_keep_last_admin(sqlite_cli: Cli) -> None:
    cli = sqlite_cli
    cli.run("users", "create", "-u", "root", "-e", "r@x", "-r", "Admin", "-p", "pw")
    cli.run("users", "create", "-u", "bob", "-e", "b@x", "-p", "pw")
    users = cli.json("users", "list")
    assert [(u["username"], u["roles"]) for u in users] == [("root", ["Admin"]), ("bob", ["Op"])]
    for args in (("delete", "-u", "root"), ("remove-role", "-u", "root", "-r", "Admin")):
        refused = cli.run("users", *args, ok=False)
        assert refused.returncode == 1 and "last active Admin" in refused.stderr
    cli.run("users", "add-role", "-u", "bob", "-r", "Admin")
    assert cli.json("users", "list")[1]["roles"] == ["Admin", "Op"]
    cli.run("users", "remove-role", "-u", "bob", "-r", "Op")
    cli.run("users", "reset-password", "-u", "bob", "-p", "new")
    cli.run("users", "delete", "-u", "root")
    assert [u["username"] for u in cli.json("users", "list")] == ["bob"]
    assert [r["name"] for r in cli.json("roles", "list")] == ["Admin", "Op", "Public", "User",
                                                          "Viewer"]


def test_output_formats(sqlite_cli: Cli) -> None:
    cli = sqlite_cli
    table = cli.run("pools", "list").stdout
    assert "default_pool" in table and "=" in table.splitlines()[1]
    plain = cli.run("pools", "list", "-o", "plain").stdout.splitlines()
    assert plain[0].split() == ["pool", "slots", "description", "include_deferred"]
    yaml_out = cli.run("pools", "list", "-o", "yaml").stdout
    assert "- description: Default pool" in yaml_out
    assert cli.run("variables", "list").stdout.strip() == "No data found"
    assert cli.run("variables", "list", "-o", "json").stdout.strip() == "[]"


def test_missing_database_is_one_line_and_not_created(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    cli = Cli(tmp_path, f"sqlite:///{path}")
    for args in (("variables", "list"), ("pools", "set", "p", "1", "d"),
                 ("connections", "list"), ("users", "list"),
                 ("users", "create", "-u", "a", "-e", "a@x", "-p", "pw"),
                 ("users", "create-token", "-u", "a", "-n", "t"), ("dags", "list"),
                 ("dags", "trigger", "d"), ("dags", "backfill", "d", "-s", "2024-01-01",
                                            "-e", "2024-01-02"),
                 ("tasks", "list", "d"), ("db", "check"), ("db", "clean",
                                                         "--clean-before-timestamp",
                                                         "2024-01-01", "-y"),
                 ("roles", "create", "R")):
        done = cli.run(*args, ok=False)
        assert done.returncode == 1, args
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in done.stderr
    assert not path.exists()
    down = Cli(tmp_path, "postgresql+psycopg://postgres@127.0.0.1:1/none").run(
        "variables", "list", ok=False)
    assert down.returncode == 1 and len(down.stderr.strip().splitlines()) == 1
    assert "127.0.0.1:1/none" in down.stderr
