"""Settings habits: Airflow's environment variables honoured, misspellings pointed out.

`AIRFLOW__SECTION__KEY` variables with a Crosswind equivalent (the table is
`crosswind.config_sections.AIRFLOW_OPTIONS`, the one `GET /config` and `crosswind config`
show) and `AIRFLOW_HOME` are read as the Crosswind setting, below `CROSSWIND_*` and above
crosswind.toml. Everything else is reported once per process as a warning on the
`crosswind.settings` logger (stderr when logging is not configured yet): an unknown
`CROSSWIND_*` variable or toml key with the closest valid name (difflib), an `AIRFLOW__*`
variable that Crosswind does not use.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Collection, Iterable, Mapping
from typing import Any

log = logging.getLogger("crosswind.settings")

PREFIX = "CROSSWIND_"
# CROSSWIND_* names that are not settings: connections and variables from the environment,
# the task runtime's map limit, and the test harness's service URLs.
ENV_ONLY = frozenset({"MAX_MAP_LENGTH"})
ENV_ONLY_PREFIXES = ("CONN_", "VAR_", "TEST_")
# AIRFLOW_OPTIONS names some settings by the property that resolves their default.
_FIELD_OF = {"dags_path": "dags_folder", "plugins_path": "plugins_folder",
             "logs_path": "logs_folder", "db_url": "database_url"}
# Options of that table whose Airflow value means something else here.
_NOT_HONOURED = frozenset({("core", "hostname_callable")})
# Airflow 2 still reads the pre-2.3 location of the database URL.
_EXTRA = {("core", "sql_alchemy_conn"): "database_url"}
_EXECUTORS = {"localexecutor": "local", "celeryexecutor": "celery"}
_warned: set[str] = set()


def warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning("crosswind: %s", message)


def _closest(name: str, valid: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return found[0] if found else None


def check_env_names(env: Mapping[str, str], fields: Collection[str]) -> None:
    for name in sorted(env):
        if not name.startswith(PREFIX):
            continue
        key = name[len(PREFIX):]
        if key.lower() in fields or key in ENV_ONLY or key.startswith(ENV_ONLY_PREFIXES):
            continue
        best = _closest(key.lower(), fields)
        hint = f" (did you mean {PREFIX}{best.upper()}?)" if best else ""
        warn_once(f"unknown setting {name} ignored{hint}")


def check_toml_keys(path: str, keys: Iterable[str], fields: Collection[str]) -> None:
    for key in sorted(keys):
        best = _closest(key, fields)
        hint = f" (did you mean {best!r}?)" if best else ""
        warn_once(f"unknown key {key!r} in {path} ignored{hint}")


def _airflow_table() -> dict[tuple[str, str], str]:
    from crosswind.config_sections import AIRFLOW_OPTIONS

    table = {k: _FIELD_OF.get(v, v) for k, v in AIRFLOW_OPTIONS.items()
             if k not in _NOT_HONOURED}
    return {**table, **_EXTRA}


def airflow_values(env: Mapping[str, str]) -> dict[str, Any]:
    """Crosswind setting -> value from `AIRFLOW_HOME` and `AIRFLOW__SECTION__KEY`
    variables; the others are warned about."""
    out: dict[str, Any] = {}
    if env.get("AIRFLOW_HOME"):
        out["home"] = env["AIRFLOW_HOME"]
    names = [n for n in env if n.startswith("AIRFLOW__")]
    if not names:
        return out
    table = _airflow_table()
    for name in sorted(names):
        parts = name[len("AIRFLOW__"):].lower().split("__")
        target = table.get((parts[0], parts[1])) if len(parts) == 2 else None
        if target is None:
            warn_once(f"{name} has no Crosswind equivalent; ignored (README.md, Settings)")
            continue
        value = env[name]
        if target == "executor":
            value = _EXECUTORS.get(value.lower().rsplit(".", 1)[-1], value.lower())
        out[target] = value
    return out
