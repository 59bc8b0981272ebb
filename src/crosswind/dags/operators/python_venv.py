"""PythonVirtualenvOperator, ExternalPythonOperator and their branch variants
(airflow.operators.python): the callable runs in another Python interpreter.

The function's source (decorators removed) is written to a script with its arguments
pickled beside it; the other interpreter runs the script and pickles the return value
back, which becomes the XCom as with PythonOperator. So, as in Airflow: the callable
must be a def (no lambda), must import what it uses inside its body, and arguments and
result must be picklable by both interpreters. Of the task context only plain values
are passed (CONTEXT_KEYS), when the function declares them. The virtualenv is built
with the requirements and cached (crosswind.dags.venv_cache).
"""

from __future__ import annotations

import ast
import inspect
import logging
import os
import pickle
import subprocess
import tempfile
import textwrap
from collections.abc import Callable, Collection
from typing import Any

from crosswind.dags.exceptions import AirflowException
from crosswind.dags.operators.python import (
    BranchPythonOperator,
    PythonOperator,
    _as_id_list,
    determine_kwargs,
)
from crosswind.dags.venv_cache import ensure_venv, find_python

log = logging.getLogger("crosswind.task")
# Context values that pickle with the standard library alone.
CONTEXT_KEYS = ("ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "run_id",
                "prev_ds", "prev_ds_nodash", "next_ds", "next_ds_nodash", "yesterday_ds",
                "yesterday_ds_nodash", "tomorrow_ds", "tomorrow_ds_nodash", "params",
                "templates_dict", "expanded_ti_count", "map_index_template")
_SCRIPT = """\
import pickle, sys
with open(sys.argv[1], "rb") as f:
    _cw_args = pickle.load(f)
with open(sys.argv[3], "r") as f:
    virtualenv_string_args = f.read().splitlines()
{source}
_cw_result = {name}(*_cw_args["args"], **_cw_args["kwargs"])
with open(sys.argv[2], "wb") as f:
    pickle.dump(_cw_result, f, protocol=4)
"""


def is_venv_installed() -> bool:
    """Crosswind builds virtualenvs with the standard library's venv: always available."""
    return True


def function_source(function: Callable[..., Any]) -> str:
    """The def of function, dedented, without its decorators (@task.virtualenv...)."""
    if getattr(function, "__name__", "") == "<lambda>":
        raise AirflowException("PythonVirtualenvOperator only supports functions for "
                               "python_callable arg")
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        raise AirflowException(f"{function!r} is not a plain function definition")
    node.decorator_list = []
    return ast.unparse(node)


class _ExternalInterpreterMixin(PythonOperator):
    template_fields = ("templates_dict", "op_args", "op_kwargs", "string_args")

    def _init_external(self, string_args: Collection[str] | None,
                       use_dill: bool, serializer: str | None) -> None:
        self.string_args = list(string_args or [])
        if use_dill or serializer not in (None, "pickle"):
            log.warning("Crosswind pickles venv arguments with pickle; serializer %r ignored",
                        "dill" if use_dill else serializer)
        function_source(self.python_callable)  # fail at parse time on a lambda, as Airflow

    def _python(self) -> str:
        raise NotImplementedError

    def execute(self, context: dict[str, Any]) -> Any:
        context["templates_dict"] = self.templates_dict
        plain = {k: _plain(context[k]) for k in CONTEXT_KEYS if k in context}
        kwargs = determine_kwargs(self.python_callable, self.op_args,
                                  {**plain, **self.op_kwargs})
        result = self._run(self._python(), kwargs)
        log.info("Done. Returned value was: %s", result)
        return result

    def _run(self, python: str, kwargs: dict[str, Any]) -> Any:
        with tempfile.TemporaryDirectory(prefix="crosswind-venv-run-") as tmp:
            paths = [os.path.join(tmp, n) for n in ("args.pkl", "result.pkl", "strings.txt",
                                                    "script.py")]
            with open(paths[0], "wb") as f:
                pickle.dump({"args": list(self.op_args), "kwargs": kwargs}, f, protocol=4)
            with open(paths[2], "w") as f:
                f.write("\n".join(self.string_args))
            with open(paths[3], "w") as f:
                f.write(_SCRIPT.format(source=function_source(self.python_callable),
                                       name=self.python_callable.__name__))
            done = subprocess.run([python, paths[3], *paths[:3]], stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True, check=False, cwd=tmp)
            for line in done.stdout.splitlines():
                print(line, flush=True)  # noqa: T201 - the callable's output, in the task log
            if done.returncode != 0:
                raise AirflowException(
                    f"Process returned non-zero exit status {done.returncode}.\n"
                    + "\n".join(done.stdout.splitlines()[-20:]))
            with open(paths[1], "rb") as f:
                return pickle.load(f)


def _plain(value: Any) -> Any:
    return dict(value) if isinstance(value, dict) else value


class PythonVirtualenvOperator(_ExternalInterpreterMixin):
    """Runs the callable in a virtualenv with `requirements` (list, or a requirements
    string/file path), `python_version`, `system_site_packages`, `pip_install_options`."""

    template_fields = (*_ExternalInterpreterMixin.template_fields, "requirements")

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        requirements: str | Collection[str] | None = None,
        python_version: str | int | float | None = None,
        use_dill: bool = False,
        serializer: str | None = None,
        system_site_packages: bool = True,
        pip_install_options: list[str] | None = None,
        op_args: Collection[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        string_args: Collection[str] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        expect_airflow: bool = True,
        skip_on_exit_code: Any = None,
        index_urls: Collection[str] | str | None = None,
        venv_cache_path: Any = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(python_callable=python_callable, op_args=op_args, op_kwargs=op_kwargs,
                         templates_dict=templates_dict, templates_exts=templates_exts,
                         **kwargs)
        if isinstance(requirements, str):
            requirements = [requirements]
        self.requirements = list(requirements or [])
        self.python_version = python_version
        self.system_site_packages = system_site_packages
        self.pip_install_options = list(pip_install_options or [])
        if isinstance(index_urls, str):
            index_urls = [index_urls]
        self.index_urls = list(index_urls) if index_urls else None
        self._init_external(string_args, use_dill, serializer)

    def _requirement_lines(self) -> list[str]:
        lines: list[str] = []
        for item in self.requirements:
            lines += [r.strip() for r in str(item).splitlines()
                      if r.strip() and not r.strip().startswith("#")]
        return lines

    def _python(self) -> str:
        python = find_python(self.python_version)
        return str(ensure_venv(python, self._requirement_lines(),
                               system_site_packages=self.system_site_packages,
                               pip_options=self.pip_install_options,
                               index_urls=self.index_urls))


class ExternalPythonOperator(_ExternalInterpreterMixin):
    """Runs the callable with an existing interpreter (`python`: its path)."""

    template_fields = (*_ExternalInterpreterMixin.template_fields, "python")

    def __init__(
        self,
        *,
        python: str,
        python_callable: Callable[..., Any],
        use_dill: bool = False,
        serializer: str | None = None,
        op_args: Collection[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        string_args: Collection[str] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        expect_airflow: bool = True,
        expect_pendulum: bool = False,
        skip_on_exit_code: Any = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        **kwargs: Any,
    ) -> None:
        if not python:
            raise ValueError("Python Path must be defined in ExternalPythonOperator")
        super().__init__(python_callable=python_callable, op_args=op_args, op_kwargs=op_kwargs,
                         templates_dict=templates_dict, templates_exts=templates_exts,
                         **kwargs)
        self.python = python
        self._init_external(string_args, use_dill, serializer)

    def _python(self) -> str:
        if not os.path.exists(self.python):
            raise ValueError(f"Python Path '{self.python}' must exist")
        return self.python


class _BranchMixin:
    def _follow(self, context: dict[str, Any], branch: Any) -> Any:
        follow = _as_id_list(branch)
        invalid = sorted(set(follow) - set(self.dag.task_dict))  # type: ignore[attr-defined]
        if invalid:
            raise AirflowException("'branch_task_ids' must contain only valid task_ids. "
                                   f"Invalid tasks found: {invalid}.")
        context["ti"].follow_task_ids = follow
        return branch


class BranchPythonVirtualenvOperator(_BranchMixin, PythonVirtualenvOperator):
    def execute(self, context: dict[str, Any]) -> Any:
        return self._follow(context, super().execute(context))


class BranchExternalPythonOperator(_BranchMixin, ExternalPythonOperator):
    def execute(self, context: dict[str, Any]) -> Any:
        return self._follow(context, super().execute(context))


__all__ = ["BranchExternalPythonOperator", "BranchPythonOperator",
           "BranchPythonVirtualenvOperator", "ExternalPythonOperator",
           "PythonVirtualenvOperator", "is_venv_installed"]
