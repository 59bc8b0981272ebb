"""`config list|get-value`: Airflow's sections, secrets hidden, no database needed."""

from __future__ import annotations

import json
from pathlib import Path

from cli_run import Cli


def test_config_list_and_get_value(tmp_path: Path) -> None:
    cli = Cli(tmp_path, "postgresql+psycopg://u:topsecret@127.0.0.1:1/none")
    listed = cli.run("config", "list").stdout
    assert "[core]\n" in listed and "topsecret" not in listed
    assert "sql_alchemy_conn = < hidden >" in listed
    assert cli.run("config", "get-value", "database", "sql_alchemy_conn").stdout == \
        "< hidden >\n"
    assert cli.run("config", "get-value", "core", "executor").stdout.strip().endswith("Executor")
    missing = cli.run("config", "get-value", "core", "nope", ok=False)
    assert missing.returncode == 1 and "[core/nope]" in missing.stderr
    only = cli.run("config", "list", "--section", "celery").stdout
    assert only.startswith("[celery]\n") and "[core]" not in only


def test_info_hides_password_and_cheat_sheet_lists_verbs(tmp_path: Path) -> None:
    cli = Cli(tmp_path, "postgresql+psycopg://u:topsecret@127.0.0.1:1/none")
    facts = json.loads(cli.run("info", "-o", "json").stdout.splitlines()[0])
    values = {row["key"]: row["value"] for row in facts}
    assert values["dialect"] == "postgresql" and "topsecret" not in values["sql_alchemy_conn"]
    sheet = cli.run("cheat-sheet").stdout
    for verb in ("variables import", "pools export", "connections add", "users reset-password",
                 "roles list", "config get-value"):
        assert f"crosswind {verb}" in sheet, verb


def test_every_verb_is_in_the_readme(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    sheet = Cli(tmp_path, f"sqlite:///{tmp_path / 'none.db'}").run("cheat-sheet").stdout
    verbs = [line.split(" | ")[0].strip() for line in sheet.splitlines() if " | " in line]
    assert len(verbs) > 60
    missing = [v for v in verbs if f"| `{v}` |" not in readme]
    assert not missing, f"README.md's commands table lacks {missing}"
