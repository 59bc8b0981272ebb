"""The settings in force, shown as Airflow's configuration sections (`GET /config`).

Airflow's options that have a Crosswind equivalent are listed under Airflow's section and
key with our value (so scripts reading `[core] parallelism` keep working); section
`crosswind` lists every Crosswind setting under its own name. Secrets (database and broker
URLs, which may hold passwords, the Fernet key, the admin password) are always shown as
"< hidden >", as Airflow's `non-sensitive-only`.
"""

from __future__ import annotations

from typing import Any

from crosswind.settings import Settings

HIDDEN = "< hidden >"
SENSITIVE = frozenset({"database_url", "db_url", "broker_url", "fernet_key", "admin_password"})

# (Airflow section, Airflow key) -> the Crosswind setting (a Settings attribute or property).
AIRFLOW_OPTIONS: dict[tuple[str, str], str] = {
    ("core", "dags_folder"): "dags_path",
    ("core", "plugins_folder"): "plugins_path",
    ("core", "parallelism"): "parallelism",
    ("core", "executor"): "executor",
    ("core", "fernet_key"): "fernet_key",
    ("core", "dags_are_paused_at_creation"): "dags_are_paused_at_creation",
    ("core", "dag_file_processor_timeout"): "dag_file_processor_timeout",
    ("core", "hostname_callable"): "hostname",
    ("database", "sql_alchemy_conn"): "db_url",
    ("logging", "base_log_folder"): "logs_path",
    ("logging", "worker_log_server_port"): "worker_log_server_port",
    ("scheduler", "scheduler_heartbeat_sec"): "scheduler_heartbeat_sec",
    ("scheduler", "catchup_by_default"): "catchup_by_default",
    ("scheduler", "dag_dir_list_interval"): "dag_processor_rescan_interval",
    ("scheduler", "task_queued_timeout"): "task_queued_timeout",
    ("scheduler", "scheduler_zombie_task_threshold"): "task_heartbeat_timeout",
    ("celery", "broker_url"): "broker_url",
    ("api", "maximum_page_limit"): "maximum_page_limit",
    ("webserver", "expose_config"): "expose_config",
    ("core", "test_connection"): "test_connection",
    ("webserver", "session_lifetime_minutes"): "session_lifetime_minutes",
    ("triggerer", "default_capacity"): "triggerer_capacity",
    ("triggerer", "triggerer_health_check_threshold"): "triggerer_health_check_threshold",
}
_EXECUTORS = {"local": "LocalExecutor", "celery": "CeleryExecutor"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return "" if value is None else str(value)


def _value(settings: Settings, name: str, airflow_key: str | None = None) -> str:
    if name in SENSITIVE:
        return HIDDEN
    value = getattr(settings, name, None)
    if airflow_key == "executor":
        return _EXECUTORS.get(str(value), str(value))
    return _text(value)


def sections(settings: Settings) -> dict[str, dict[str, str]]:
    """Section -> option -> value, secrets hidden."""
    out: dict[str, dict[str, str]] = {}
    for (section, key), name in AIRFLOW_OPTIONS.items():
        out.setdefault(section, {})[key] = _value(settings, name, key)
    out["crosswind"] = {name: _value(settings, name) for name in sorted(Settings.model_fields)}
    return out
