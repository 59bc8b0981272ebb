"""Rendering templated fields with Jinja, the way Airflow 2 does.

StrictUndefined (an undefined name is an error), Airflow's date filters, recursion
through str/list/tuple/dict, XComArg resolution, native types when the DAG asks for
them, and strings ending in one of the operator's template_ext loaded as template files
relative to the DAG file's folder.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

import jinja2
import jinja2.nativetypes
import jinja2.sandbox


def _ts_nodash_with_tz(value: datetime) -> str:
    return value.isoformat().replace("-", "").replace(":", "")


FILTERS = {
    "ds": lambda d: d.strftime("%Y-%m-%d"),
    "ds_nodash": lambda d: d.strftime("%Y%m%d"),
    "ts": lambda d: d.isoformat(),
    "ts_nodash": lambda d: d.strftime("%Y%m%dT%H%M%S"),
    "ts_nodash_with_tz": _ts_nodash_with_tz,
}


class SandboxedEnvironment(jinja2.sandbox.SandboxedEnvironment):
    """Airflow's template environment: sandboxed, but `_private` attributes are allowed."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("__"):
            return False
        return not jinja2.sandbox.is_internal_attribute(obj, attr)


# Environments by (search path, native, user filters): building one costs ~2 ms, and it
# depends on nothing else. The fork server fills this before forking, so task processes
# inherit it. The environments keep no template cache (cache_size=0), so edited template
# files are seen.
_ENVIRONMENTS: dict[tuple[Any, ...], jinja2.Environment] = {}


def make_environment(dag: Any) -> jinja2.Environment:
    """The Jinja environment for a DAG: native or string output, a file loader at its
    folder then its template_searchpath, Airflow's filters then user_defined_filters."""
    folder = os.path.dirname(getattr(dag, "fileloc", "") or ".") or "."
    paths = (folder, *(getattr(dag, "template_searchpath", None) or ()))
    native = bool(getattr(dag, "render_template_as_native_obj", False))
    filters = tuple(sorted((getattr(dag, "user_defined_filters", None) or {}).items()))
    key = (paths, native, filters)
    env = _ENVIRONMENTS.get(key)
    if env is None:
        env = _ENVIRONMENTS[key] = _new_environment(list(paths), native, dict(filters))
    return env


def _new_environment(paths: list[str], native: bool, filters: dict[str, Any]) -> jinja2.Environment:
    cls = jinja2.nativetypes.NativeEnvironment if native else SandboxedEnvironment
    env = cls(
        loader=jinja2.FileSystemLoader([*paths, "/"]),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
        cache_size=0,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    env.filters.update(filters)
    return env


def render_value(value: Any, context: dict[str, Any], env: jinja2.Environment, exts: Any,
                 skip: frozenset[int] = frozenset()) -> Any:
    """Render value recursively; non-template objects pass through unchanged, and so do
    the objects whose id() is in `skip` (XCom values a mapped task was given)."""
    from crosswind.dags.decorators import XComArg

    if skip and id(value) in skip:
        return value
    if isinstance(value, XComArg):
        return value.resolve(context)  # an XCom value is never rendered, as on Airflow
    if isinstance(value, str):
        if exts and value.endswith(tuple(exts)):
            return env.get_template(value).render(**context)
        return env.from_string(value).render(**context)
    if isinstance(value, tuple):
        return tuple(render_value(v, context, env, exts, skip) for v in value)
    if isinstance(value, list):
        return [render_value(v, context, env, exts, skip) for v in value]
    if isinstance(value, dict):
        return {k: render_value(v, context, env, exts, skip) for k, v in value.items()}
    return value


def render_template_fields(task: Any, context: dict[str, Any]) -> dict[str, Any]:
    """Render each of task.template_fields in place; returns field -> rendered value."""
    env = make_environment(context.get("dag"))
    rendered: dict[str, Any] = {}
    # A mapped index's arguments that came from XComs (mapping.MappedOperator.unmap).
    skip = frozenset(id(v) for v in getattr(task, "mapped_xcom_values", ()))
    for name in task.template_fields:
        value = render_value(getattr(task, name), context, env, task.template_ext, skip)
        setattr(task, name, value)
        rendered[name] = value
    return rendered
