"""Plugins, as Airflow 2's plugins_manager: `AirflowPlugin` subclasses in the Python files
of the plugins folder contribute timetables and template macros.

Each process that needs them calls configure(folder) once at its start; the folder is put
on sys.path (DAG files import helpers from it, as on Airflow) and the files are imported
on first use. A plugin file that fails to import is logged and recorded in `errors`; the
others still load.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import traceback
from pathlib import Path
from types import SimpleNamespace
from typing import Any

log = logging.getLogger(__name__)


class AirflowPlugin:
    """Base class of a plugin; Crosswind acts on `timetables` and `macros`, and accepts
    (and ignores) the web-server parts of Airflow's plugin interface."""

    name: str | None = None
    source: str | None = None
    macros: list[Any] = []
    timetables: list[type] = []
    operators: list[Any] = []
    sensors: list[Any] = []
    hooks: list[Any] = []
    executors: list[Any] = []
    flask_blueprints: list[Any] = []
    appbuilder_views: list[Any] = []
    appbuilder_menu_items: list[Any] = []
    fastapi_apps: list[Any] = []
    global_operator_extra_links: list[Any] = []
    operator_extra_links: list[Any] = []
    listeners: list[Any] = []
    priority_weight_strategies: list[Any] = []

    @classmethod
    def validate(cls) -> None:
        if not cls.name:
            raise ValueError(f"Your plugin needs a name: {cls.__module__}.{cls.__name__}")

    @classmethod
    def on_load(cls, *args: Any, **kwargs: Any) -> None:
        """Called once the plugin is loaded (Airflow's hook)."""


_folder: Path | None = None
_loaded = False
plugins: list[type[AirflowPlugin]] = []
errors: dict[str, str] = {}
sources: dict[type, Path] = {}  # plugin class -> the file it came from
timetable_classes: dict[str, type] = {}
macros_modules: dict[str, SimpleNamespace] = {}


def configure(folder: Path | str | None) -> None:
    """Set the plugins folder of this process (loaded lazily by ensure_loaded())."""
    global _folder, _loaded
    new = Path(folder) if folder is not None else None
    if new != _folder:
        _folder, _loaded = new, False
    if new is not None and new.is_dir() and str(new) not in sys.path:
        sys.path.append(str(new))


def qualified_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def ensure_loaded() -> None:
    """Import the plugin files of the configured folder once per process."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    plugins.clear()
    errors.clear()
    sources.clear()
    timetable_classes.clear()
    macros_modules.clear()
    if _folder is None or not _folder.is_dir():
        return
    from crosswind.dags import airflow_shim

    airflow_shim.install()  # plugin files import airflow.* like DAG files do
    for path in sorted(_plugin_files(_folder)):
        _load_file(path)
    for plugin in plugins:
        _register(plugin)


def _plugin_files(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if not d.startswith((".", "__"))]
        found += [Path(root) / f for f in files if f.endswith(".py") and not f.startswith(".")]
    return found


def _load_file(path: Path) -> None:
    name = path.stem
    existing = sys.modules.get(name)
    if existing is not None and _same_file(getattr(existing, "__file__", None), path):
        module = existing  # a DAG file imported it already
    else:
        try:
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                return
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        except BaseException:  # noqa: BLE001 - one broken plugin must not stop the process
            sys.modules.pop(name, None)
            errors[str(path)] = traceback.format_exc()
            log.error("Failed to import plugin %s:\n%s", path, errors[str(path)])
            return
    for value in list(vars(module).values()):
        if (isinstance(value, type) and issubclass(value, AirflowPlugin)
                and value is not AirflowPlugin and value.__module__ == module.__name__
                and value not in plugins):
            try:
                value.validate()
            except ValueError as exc:
                errors[str(path)] = str(exc)
                log.error("Invalid plugin in %s: %s", path, exc)
                continue
            plugins.append(value)
            sources[value] = path


def _same_file(a: str | None, b: Path) -> bool:
    return a is not None and os.path.realpath(a) == os.path.realpath(b)


def _register(plugin: type[AirflowPlugin]) -> None:
    for cls in plugin.timetables:
        timetable_classes[qualified_name(cls)] = cls
    if plugin.macros:
        macros_modules[str(plugin.name)] = SimpleNamespace(
            **{getattr(m, "__name__", repr(m)): m for m in plugin.macros}
        )
    try:
        plugin.on_load()
    except Exception:
        log.exception("on_load of plugin %s failed", plugin.name)


def info() -> list[dict[str, Any]]:
    """The loaded plugins in the shape of Airflow's `GET /plugins` (names, not objects)."""
    ensure_loaded()
    out = []
    for plugin in plugins:
        path = sources.get(plugin)
        source = (f"$PLUGINS_FOLDER/{os.path.relpath(path, _folder)}" if path and _folder
                  else plugin.source)
        out.append({
            "name": plugin.name,
            "hooks": [qualified_name(h) for h in plugin.hooks],
            "executors": [qualified_name(e) for e in plugin.executors],
            "macros": [f"{getattr(m, '__module__', '')}.{getattr(m, '__qualname__', m)}"
                       for m in plugin.macros],
            "flask_blueprints": [repr(b) for b in plugin.flask_blueprints],
            "appbuilder_views": [{k: v for k, v in dict(v).items() if k != "view"}
                                 for v in plugin.appbuilder_views if isinstance(v, dict)],
            "appbuilder_menu_items": [dict(m) for m in plugin.appbuilder_menu_items
                                      if isinstance(m, dict)],
            "global_operator_extra_links": [f"<{qualified_name(type(x))} object>"
                                            for x in plugin.global_operator_extra_links],
            "operator_extra_links": [f"<{qualified_name(type(x))} object>"
                                     for x in plugin.operator_extra_links],
            "source": source,
            "ti_deps": [],
            "listeners": [getattr(x, "__name__", None) or qualified_name(type(x))
                          for x in plugin.listeners],
            "timetables": [qualified_name(t) for t in plugin.timetables],
        })
    return out


def registered_timetable(classpath: str) -> type | None:
    ensure_loaded()
    return timetable_classes.get(classpath)
