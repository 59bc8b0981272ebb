"""Settings habits through the real command: misspellings named, Airflow's variables
honoured (CROSSWIND_* wins), a bad database one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

AIRFLOW_ENV = ("AIRFLOW_HOME", "AIRFLOW__")


def crosswind(home: Path | None, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("CROSSWIND_", *AIRFLOW_ENV))}
    if home is not None:
        base["CROSSWIND_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "crosswind", *args], env={**base, **env},
                          capture_output=True, text=True, timeout=180, check=False)


def test_misspelt_and_unknown_settings_are_named_once(tmp_path: Path) -> None:
    (tmp_path / "crosswind.toml").write_text("parallelizm = 3\nexecutor = 'local'\n")
    done = crosswind(tmp_path, "config", "get-value", "core", "parallelism",
                     CROSSWIND_PARALELISM="4", CROSSWIND_CONN_X="http://h",
                     AIRFLOW__CORE__LOAD_EXAMPLES="False")
    assert done.returncode == 0 and done.stdout == "32\n"
    lines = done.stderr.strip().splitlines()
    assert sorted(lines) == sorted([
        "crosswind: unknown setting CROSSWIND_PARALELISM ignored (did you mean "
        "CROSSWIND_PARALLELISM?)",
        f"crosswind: unknown key 'parallelizm' in {tmp_path / 'crosswind.toml'} ignored "
        "(did you mean 'parallelism'?)",
        "crosswind: AIRFLOW__CORE__LOAD_EXAMPLES has no Crosswind equivalent; ignored "
        "(README.md, Settings)"])


def test_airflow_variables_honoured_crosswind_wins(tmp_path: Path) -> None:
    af_home = tmp_path / "af"
    done = crosswind(None, "info", "-o", "json", AIRFLOW_HOME=str(af_home),
                     AIRFLOW__CORE__PARALLELISM="7", AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
                     AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{tmp_path / 'af.db'}")
    assert done.returncode == 0 and done.stderr == "", done.stderr
    shown = crosswind(None, "config", "list", "--section", "crosswind",
                      AIRFLOW_HOME=str(af_home), AIRFLOW__CORE__PARALLELISM="7",
                      AIRFLOW__CORE__EXECUTOR="CeleryExecutor").stdout
    assert f"home = {af_home}\n" in shown and "parallelism = 7\n" in shown
    assert "executor = celery\n" in shown
    wins = crosswind(tmp_path, "config", "get-value", "core", "parallelism",
                     CROSSWIND_PARALLELISM="9", AIRFLOW__CORE__PARALLELISM="7",
                     AIRFLOW_HOME=str(af_home))
    assert wins.stdout == "9\n"
    # The database URL from Airflow's variable: `db migrate` creates that file.
    url_db = tmp_path / "af.db"
    assert crosswind(tmp_path, "db", "migrate",
                     AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{url_db}").returncode == 0
    assert url_db.exists() and not (tmp_path / "crosswind.db").exists()


def test_bad_database_is_one_line(tmp_path: Path) -> None:
    for url, why in (("postgresql+psycopg://u:sekret@127.0.0.1:1/none", "127.0.0.1"),
                     ("mysql://u:sekret@127.0.0.1:1/none", "driver is not installed")):
        for args in (("db", "migrate"), ("scheduler",)):
            done = crosswind(tmp_path, *args, CROSSWIND_DATABASE_URL=url)
            lines = done.stderr.strip().splitlines()
            assert done.returncode == 1 and len(lines) == 1, (args, done.stderr)
            assert "u:***@127.0.0.1:1/none" in lines[0] and why in lines[0]
            assert "sekret" not in done.stderr
