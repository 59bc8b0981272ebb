"""Connection bodies: `connection_id` (Airflow) or `conn_id` (seed) are both accepted.

`extra` must be a string holding a JSON object (Airflow's rule); anything else is a 400.
"""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

# Airflow's RE_SANITIZE_CONN_ID without "/" and "\\": an id must fit in one URL path segment.
ConnId = Annotated[
    str, StringConstraints(min_length=1, max_length=250, pattern=r"^[\w#!():.\-]+$")
]
Short = Annotated[str, StringConstraints(max_length=500)]
Port = Annotated[int, Field(ge=0, le=65535)]


def check_extra(value: str | None) -> str | None:
    """None or '' pass; otherwise the string must decode to a JSON object."""
    if value is None or value == "":
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        raise ValueError("extra must be a JSON object string") from None
    if not isinstance(decoded, dict):
        raise ValueError("extra must be a JSON object string")
    return value


class _ConnectionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    connection_id: ConnId | None = None
    conn_id: ConnId | None = None
    conn_type: Short | None = None
    description: str | None = None
    host: Short | None = None
    schema_: Short | None = Field(default=None, alias="schema")
    login: str | None = None
    password: str | None = None
    port: Port | None = None
    extra: str | None = None

    @field_validator("extra")
    @classmethod
    def _extra_is_object(cls, v: str | None) -> str | None:
        return check_extra(v)

    @model_validator(mode="after")
    def _one_id(self) -> _ConnectionBody:
        if self.connection_id and self.conn_id and self.connection_id != self.conn_id:
            raise ValueError("give the id once: 'connection_id' and 'conn_id' differ")
        return self

    @property
    def the_id(self) -> str | None:
        return self.connection_id or self.conn_id

    def values(self, only: set[str] | None = None) -> dict[str, object]:
        """Column values given in the body (or named in `only`), keyed by column name."""
        data = {
            "conn_type": self.conn_type,
            "description": self.description,
            "host": self.host,
            "schema": self.schema_,
            "login": self.login,
            "password": self.password,
            "port": self.port,
            "extra": self.extra,
        }
        given = {"schema" if f == "schema_" else f for f in self.model_fields_set}
        keep = only if only is not None else given
        return {k: v for k, v in data.items() if k in keep}


class ConnectionCreate(_ConnectionBody):
    conn_type: Short

    @model_validator(mode="after")
    def _has_id(self) -> ConnectionCreate:
        if not self.the_id:
            raise ValueError("connection_id (or conn_id) is required")
        return self


class ConnectionUpdate(_ConnectionBody):
    """PUT (seed) and PATCH (Airflow); an id in the body must match the URL."""


UPDATABLE = ("conn_type", "description", "host", "schema", "login", "password", "port", "extra")
