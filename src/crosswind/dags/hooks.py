"""Connection objects and BaseHook.get_connection (Airflow 2 names)."""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from crosswind.dags.exceptions import AirflowNotFoundException
from crosswind.dags.masking import mask_secret
from crosswind.dags.runtime import get_backend


class Connection:
    """Credentials for an external system, as Airflow's airflow.models.Connection."""

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        self.conn_id = conn_id
        self.conn_type = conn_type
        self.description = description
        self.host = host
        self.login = login
        self.password = password
        self.schema = schema
        self.port = port
        self.extra = json.dumps(extra) if isinstance(extra, dict) else extra
        if uri:
            self._parse_uri(uri)

    def _parse_uri(self, uri: str) -> None:
        parts = urlsplit(uri)
        self.conn_type = parts.scheme.replace("-", "_")
        self.host = unquote(parts.hostname) if parts.hostname else None
        self.schema = unquote(parts.path.lstrip("/")) or None
        self.login = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        self.port = parts.port
        if parts.query:
            self.extra = json.dumps(dict(parse_qsl(parts.query, keep_blank_values=True)))

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """extra parsed as JSON; {} when empty or not valid JSON (Airflow logs and moves on)."""
        if not self.extra:
            return {}
        try:
            value = json.loads(self.extra)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def get_uri(self) -> str:
        uri = f"{(self.conn_type or '').replace('_', '-')}://"
        if self.login or self.password:
            uri += quote(self.login or "", safe="")
            if self.password:
                uri += ":" + quote(self.password, safe="")
            uri += "@"
        uri += quote(self.host or "", safe="")
        if self.port:
            uri += f":{self.port}"
        if self.schema:
            uri += "/" + quote(self.schema, safe="")
        if self.extra_dejson:
            uri += ("" if self.schema else "/") + "?" + urlencode(self.extra_dejson)
        return uri

    def get_password(self) -> str | None:
        return self.password

    def get_extra(self) -> str | None:
        return self.extra

    def __repr__(self) -> str:
        return f"Connection(conn_id={self.conn_id!r}, conn_type={self.conn_type!r})"


def _from_env(conn_id: str) -> Connection | None:
    for prefix in ("CROSSWIND_CONN_", "AIRFLOW_CONN_"):
        raw = os.environ.get(prefix + conn_id.upper())
        if raw is None:
            continue
        if raw.lstrip().startswith("{"):
            return Connection(conn_id=conn_id, **json.loads(raw))
        return Connection(conn_id=conn_id, uri=raw)
    return None


class BaseHook:
    """Base for hooks; only get_connection is provided."""

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        conn = _from_env(conn_id)
        if conn is None:
            row = get_backend().get_connection(conn_id)
            if row is None:
                raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
            known = {k: row.get(k) for k in _FIELDS}
            conn = Connection(**known)
            conn.conn_id = conn_id
        if conn.password:
            mask_secret(conn.password)
        return conn


_FIELDS = ("conn_type", "description", "host", "login", "password", "schema", "port", "extra")
