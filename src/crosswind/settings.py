"""Settings: environment `CROSSWIND_*` > Airflow's `AIRFLOW__*` / `AIRFLOW_HOME` (see
crosswind.settings_env) > `$CROSSWIND_HOME/crosswind.toml` > defaults.

Built once at a program's entry (`load_settings()`) and passed down; nothing reads the
environment at import time. An invalid value stops the program with one line naming the
setting (`SettingsError`), never a traceback.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crosswind.errors import SettingsError

__all__ = ["ENV_PREFIX", "Settings", "SettingsError", "load_settings"]

ENV_PREFIX = "CROSSWIND_"


class Settings(BaseSettings):
    """Every setting of Crosswind; README.md documents each one."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_prefix=ENV_PREFIX)

    home: Path = Field(default_factory=lambda: Path("~/crosswind").expanduser())
    dags_folder: Path | None = None
    database_url: str | None = None
    logs_folder: Path | None = None
    executor: Literal["local", "celery"] = "local"
    broker_url: str = "redis://127.0.0.1:6379/0"
    admin_username: str | None = None
    admin_password: str | None = None
    fernet_key: str | None = None
    maximum_page_limit: int = Field(default=100, ge=1)
    parallelism: int = Field(default=32, ge=1)
    dag_file_processor_timeout: float = Field(default=50.0, gt=0)
    dag_processor_rescan_interval: float = Field(default=30.0, gt=0)
    dags_are_paused_at_creation: bool = True
    catchup_by_default: bool = False
    scheduler_heartbeat_sec: float = Field(default=5.0, gt=0)
    task_heartbeat_timeout: float = Field(default=30.0, gt=0)
    auth_cache_seconds: float = Field(default=300.0, ge=0)
    worker_log_server_port: int = Field(default=8793, ge=0, le=65535)
    # Scale-out (issue 5): the name other hosts reach this one by (recorded on task tries,
    # used to fetch a worker's logs); the log server's bind address; how long a Celery try
    # may stay queued before the scheduler sends it again (a broker restart lost it).
    hostname: str | None = None
    worker_log_server_host: str = "0.0.0.0"
    task_queued_timeout: float = Field(default=600.0, gt=0)
    # Local executor: seconds without a try after which the fork server stops (the next try
    # starts a fresh one).
    fork_server_idle_timeout: float = Field(default=120.0, gt=0)
    # SIGINT/SIGTERM of a scheduler (or standalone): running tries get this long to finish;
    # those still running then are stopped and given back (scheduled again, no retry used).
    shutdown_grace_seconds: float = Field(default=60.0, ge=0)
    # Airflow's plugins_folder: AirflowPlugin subclasses (timetables, macros) and helper
    # modules DAG files import.
    plugins_folder: Path | None = None
    # Triggerer (deferred tasks): how many triggers one triggerer runs at most, and seconds
    # without its heartbeat after which its triggers go to another (or a restarted) one.
    triggerer_capacity: int = Field(default=10000, ge=1)
    triggerer_health_check_threshold: float = Field(default=30.0, gt=0)
    # Web UI: minutes a browser session lasts after sign-in (Airflow's default: 30 days).
    session_lifetime_minutes: int = Field(default=43200, ge=1)
    # API: request bodies larger than this get 413 before they are read.
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    # Airflow's [webserver] expose_config: GET /config answers 403 unless this is true.
    expose_config: bool = False
    # Airflow's [core] test_connection: POST /connections/test answers 403 unless "enabled".
    test_connection: Literal["disabled", "enabled"] = "disabled"

    @field_validator("test_connection", mode="before")
    @classmethod
    def _lower_test_connection(cls, v: object) -> object:
        return v.lower() if isinstance(v, str) else v  # Airflow writes Disabled/Enabled

    # Console of the long-running commands (crosswind.cli.logs): unset = each command's
    # default (standalone WARNING, the others INFO); one line per HTTP request if access_log.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] | None = None
    log_format: Literal["text", "json"] = "text"
    access_log: bool = False

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v

    @field_validator("home", "dags_folder", "logs_folder", "plugins_folder", mode="after")
    @classmethod
    def _expand(cls, v: Path | None) -> Path | None:
        return None if v is None else v.expanduser().absolute()

    @property
    def dags_path(self) -> Path:
        return self.dags_folder or self.home / "dags"

    @property
    def plugins_path(self) -> Path:
        return self.plugins_folder or self.home / "plugins"

    @property
    def logs_path(self) -> Path:
        return self.logs_folder or self.home / "logs"

    @property
    def host_name(self) -> str:
        import socket

        return self.hostname or socket.getfqdn()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'crosswind.db'}"


def _env_values(env: Mapping[str, str]) -> dict[str, str]:
    fields = Settings.model_fields
    out: dict[str, str] = {}
    for name, value in env.items():
        if name.startswith(ENV_PREFIX):
            key = name[len(ENV_PREFIX) :].lower()
            if key in fields:
                out[key] = value
    return out


def _toml_values(home: Path) -> dict[str, Any]:
    from crosswind.settings_env import check_toml_keys

    path = home / "crosswind.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from None
    # Accept both `database_url = ...` and a `[crosswind]` table.
    table = data.get("crosswind", data)
    fields = Settings.model_fields
    check_toml_keys(str(path), [k for k in table if k.lower() not in fields], list(fields))
    return {k.lower(): v for k, v in table.items() if k.lower() in fields}


def load_settings(env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Build the settings from `env` (default: os.environ), the TOML file and defaults."""
    from crosswind.settings_env import airflow_values, check_env_names

    env = os.environ if env is None else env
    env_vals = _env_values(env)
    check_env_names(env, list(Settings.model_fields))
    # Airflow's variables count as the environment, below CROSSWIND_* (which wins).
    airflow = airflow_values(env)
    home = Path(env_vals.get("home") or airflow.get("home") or "~/crosswind").expanduser()
    values: dict[str, Any] = {**_toml_values(home), **airflow, **env_vals, **overrides}
    values.setdefault("home", home)
    try:
        # Values arrive as plain data; BaseSettings' own env lookup is bypassed on purpose
        # so the precedence above is the only one.
        return Settings.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = str(err["loc"][0]) if err["loc"] else "?"
        shown = values.get(key, "")
        raise SettingsError(
            f"invalid setting {ENV_PREFIX}{key.upper()}={shown!r}: {err['msg']}"
        ) from None
