"""Settings precedence (env > crosswind.toml > defaults) and one-line errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crosswind.settings import SettingsError, load_settings


def test_defaults(tmp_path: Path) -> None:
    s = load_settings({"CROSSWIND_HOME": str(tmp_path)})
    assert s.home == tmp_path and s.executor == "local" and s.maximum_page_limit == 100
    assert s.dags_path == tmp_path / "dags" and s.logs_path == tmp_path / "logs"
    assert s.db_url == f"sqlite:///{tmp_path / 'crosswind.db'}"


def test_env_beats_toml_beats_defaults(tmp_path: Path) -> None:
    (tmp_path / "crosswind.toml").write_text(
        'parallelism = 7\nmaximum_page_limit = 50\ndags_folder = "/srv/dags"\n')
    s = load_settings({"CROSSWIND_HOME": str(tmp_path), "CROSSWIND_PARALLELISM": "3"})
    assert s.parallelism == 3  # env wins
    assert s.maximum_page_limit == 50  # toml over default
    assert s.dags_path == Path("/srv/dags")
    assert s.scheduler_heartbeat_sec == 5.0  # default


def test_toml_table_form(tmp_path: Path) -> None:
    (tmp_path / "crosswind.toml").write_text('[crosswind]\nexecutor = "celery"\n')
    assert load_settings({"CROSSWIND_HOME": str(tmp_path)}).executor == "celery"


@pytest.mark.parametrize(
    ("name", "value"),
    [("CROSSWIND_PARALLELISM", "zero"), ("CROSSWIND_PARALLELISM", "0"),
     ("CROSSWIND_EXECUTOR", "kubernetes"), ("CROSSWIND_MAXIMUM_PAGE_LIMIT", "-5"),
     ("CROSSWIND_WORKER_LOG_SERVER_PORT", "70000")],
)
def test_invalid_value_names_the_setting(tmp_path: Path, name: str, value: str) -> None:
    with pytest.raises(SettingsError) as info:
        load_settings({"CROSSWIND_HOME": str(tmp_path), name: value})
    message = str(info.value)
    assert name in message and "\n" not in message


def test_invalid_toml_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "crosswind.toml").write_text("parallelism = = 3\n")
    with pytest.raises(SettingsError) as info:
        load_settings({"CROSSWIND_HOME": str(tmp_path)})
    assert "crosswind.toml" in str(info.value)


def test_cli_bad_setting_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSWIND_")}
    env.update(CROSSWIND_HOME=str(tmp_path), CROSSWIND_PARALLELISM="lots")
    done = subprocess.run([sys.executable, "-m", "crosswind", "version"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "CROSSWIND_PARALLELISM" in lines[0]
    assert "Traceback" not in done.stderr and done.stdout == ""
