"""Param: a DAG/task parameter with a default and a JSON-schema (jsonschema, with format
checks, as Airflow 2). Runs triggered by hand are validated against the DAG's params
before they are created (`validate_conf`, from the serialized `param_specs`)."""

from __future__ import annotations

from typing import Any

from crosswind.dags.exceptions import ParamValidationError

NOTSET: Any = type("ArgNotSet", (), {"__repr__": lambda self: "NOTSET"})()


class Param:
    """A parameter: its default, description and JSON schema (the other keyword arguments)."""

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
        import jsonschema

        try:
            jsonschema.validate(value, self.schema, format_checker=jsonschema.FormatChecker())
        except jsonschema.ValidationError as err:
            raise ParamValidationError(err.message) from None
        except jsonschema.SchemaError as err:
            raise ParamValidationError(f"invalid schema: {err.message}") from None

    def dump(self) -> dict[str, Any]:
        return {
            "value": None if self.value is NOTSET else self.value,
            "description": self.description,
            "schema": self.schema,
        }

    def __repr__(self) -> str:
        return f"Param({self.value!r})"


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
            try:
                out[name] = p.resolve(given)
            except ParamValidationError as err:
                raise ParamValidationError(f"Invalid input for param {name}: {err}") from None
        else:
            out[name] = p if given is NOTSET else given
    for name, value in overrides.items():
        out.setdefault(name, value)
    return out


def param_specs(params: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """name -> {value, has_value, description, schema} of each Param, for the serialized DAG."""
    return {
        name: {"value": None if p.value is NOTSET else p.value, "has_value": p.value is not NOTSET,
               "description": p.description, "schema": p.schema}
        for name, p in (params or {}).items() if isinstance(p, Param)
    }


def validate_conf(specs: dict[str, dict[str, Any]] | None, conf: dict[str, Any] | None) -> None:
    """Airflow's check when a run is triggered: every Param, overridden by conf, must
    satisfy its schema; ParamValidationError("Invalid input for param NAME: reason")."""
    for name, spec in (specs or {}).items():
        default = spec.get("value") if spec.get("has_value", True) else NOTSET
        param = Param(default, spec.get("description"), **(spec.get("schema") or {}))
        try:
            param.resolve((conf or {}).get(name, NOTSET))
        except ParamValidationError as err:
            raise ParamValidationError(f"Invalid input for param {name}: {err}") from None
