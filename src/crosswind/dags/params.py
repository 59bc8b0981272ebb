"""Param: a DAG/task parameter with a default and a minimal JSON-schema check."""

from __future__ import annotations

from typing import Any

from crosswind.dags.exceptions import ParamValidationError

NOTSET: Any = type("ArgNotSet", (), {"__repr__": lambda self: "NOTSET"})()
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict,),
    "null": (type(None),),
}


class Param:
    """A parameter; validates `type`, `enum`, `minimum`, `maximum` of its schema."""

    def __init__(self, default: Any = NOTSET, description: str | None = None, **schema: Any):
        self.value = default
        self.description = description
        self.schema = schema

    def resolve(self, value: Any = NOTSET) -> Any:
        """The effective value (given one or the default), validated; raises on mismatch."""
        final = self.value if value is NOTSET else value
        if final is NOTSET:
            raise ParamValidationError("No value passed and Param has no default value")
        self._check(final)
        return final

    def _check(self, value: Any) -> None:
        wanted = self.schema.get("type")
        names = wanted if isinstance(wanted, list) else [wanted] if wanted else []
        if names and not any(_is_type(value, n) for n in names):
            raise ParamValidationError(
                f"Invalid input for param: {value!r} is not of type {wanted}"
            )
        if "enum" in self.schema and value not in self.schema["enum"]:
            raise ParamValidationError(f"{value!r} is not one of {self.schema['enum']}")
        if "minimum" in self.schema and value < self.schema["minimum"]:
            raise ParamValidationError(f"{value!r} is less than {self.schema['minimum']}")
        if "maximum" in self.schema and value > self.schema["maximum"]:
            raise ParamValidationError(f"{value!r} is greater than {self.schema['maximum']}")

    def dump(self) -> dict[str, Any]:
        return {
            "value": None if self.value is NOTSET else self.value,
            "description": self.description,
            "schema": self.schema,
        }

    def __repr__(self) -> str:
        return f"Param({self.value!r})"


def _is_type(value: Any, name: str) -> bool:
    if name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES.get(name, (object,)))


class ParamsDict(dict[str, Any]):
    """Airflow's ParamsDict: a dict whose values may be Params."""

    def __init__(self, data: dict[str, Any] | None = None, suppress_exception: bool = False):
        super().__init__(data or {})


def param_defaults(params: dict[str, Any] | None) -> dict[str, Any]:
    """name -> default value (Params unwrapped, NOTSET as None)."""
    out: dict[str, Any] = {}
    for name, p in (params or {}).items():
        value = p.value if isinstance(p, Param) else p
        out[name] = None if value is NOTSET else value
    return out


def resolve_params(params: dict[str, Any] | None, overrides: dict[str, Any]) -> dict[str, Any]:
    """Effective params for a run: overrides (dag_run.conf) win, then validation."""
    out: dict[str, Any] = {}
    for name, p in (params or {}).items():
        given = overrides.get(name, NOTSET)
        if isinstance(p, Param):
            out[name] = p.resolve(given)
        else:
            out[name] = p if given is NOTSET else given
    for name, value in overrides.items():
        out.setdefault(name, value)
    return out
