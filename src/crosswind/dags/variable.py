"""Airflow's Variable API, backed by the runtime backend.

Environment variables AIRFLOW_VAR_<KEY> (and CROSSWIND_VAR_<KEY>) win over the store,
as in Airflow, so DAG files can be tested without a database.
"""

from __future__ import annotations

import json
import os
from typing import Any

from crosswind.dags.masking import is_sensitive_key, mask_secret
from crosswind.dags.runtime import get_backend

_NOTSET: Any = object()


def _from_env(key: str) -> str | None:
    for prefix in ("CROSSWIND_VAR_", "AIRFLOW_VAR_"):
        value = os.environ.get(prefix + key.upper())
        if value is not None:
            return value
    return None


class Variable:
    """Key/value settings shared by DAGs: Variable.get / set / delete."""

    @classmethod
    def get(cls, key: str, default_var: Any = _NOTSET, deserialize_json: bool = False) -> Any:
        raw = _from_env(key)
        if raw is None:
            raw = get_backend().get_variable(key)
        if raw is None:
            if default_var is _NOTSET:
                raise KeyError(f"Variable {key} does not exist")
            return default_var
        if is_sensitive_key(key):
            mask_secret(raw)
        return json.loads(raw) if deserialize_json else raw

    @classmethod
    def set(
        cls,
        key: str,
        value: Any,
        description: str | None = None,
        serialize_json: bool = False,
    ) -> None:
        stored = json.dumps(value, indent=2) if serialize_json else str(value)
        get_backend().set_variable(key, stored, description)

    @classmethod
    def delete(cls, key: str) -> int:
        get_backend().delete_variable(key)
        return 1

    @classmethod
    def setdefault(
        cls, key: str, default: Any, description: str | None = None, deserialize_json: bool = False
    ) -> Any:
        value = cls.get(key, default_var=None, deserialize_json=deserialize_json)
        if value is None:
            cls.set(key, default, description=description, serialize_json=deserialize_json)
            return default
        return value
