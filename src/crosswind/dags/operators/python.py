"""PythonOperator, BranchPythonOperator and ShortCircuitOperator."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable, Collection, Iterable
from typing import Any

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import AirflowException

log = logging.getLogger(__name__)


def determine_kwargs(
    python_callable: Callable[..., Any], op_args: Collection[Any], context: dict[str, Any]
) -> dict[str, Any]:
    """Airflow's KeywordParameters.determine: all of context when the callable takes
    **kwargs, otherwise only the names it declares (minus those filled positionally)."""
    params = callable_parameters(python_callable)
    if params is None:  # some builtins have no signature: give them no context
        return {}
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return dict(context)
    positional = {
        p.name
        for p in params[: len(op_args)]
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    }
    return {
        p.name: context[p.name]
        for p in params
        if p.name in context and p.name not in positional and p.kind is not p.POSITIONAL_ONLY
    }


def callable_parameters(python_callable: Callable[..., Any]) -> list[inspect.Parameter] | None:
    """The callable's parameters (None without a signature), cached: the fork server fills
    the cache when it loads a DAG file, so task processes inherit it instead of paying
    inspect.signature() each."""
    try:
        return _parameters(python_callable)
    except TypeError:  # unhashable callable: no caching
        return _parameters.__wrapped__(python_callable)


@functools.lru_cache(maxsize=4096)
def _parameters(python_callable: Callable[..., Any]) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(python_callable).parameters.values())
    except ValueError:
        return None


class PythonOperator(BaseOperator):
    """Calls python_callable(*op_args, **op_kwargs, **<the context keys it accepts>)."""

    template_fields = ("templates_dict", "op_args", "op_kwargs")
    template_fields_renderers = {"templates_dict": "json", "op_args": "py", "op_kwargs": "py"}
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Collection[Any] | None = None,
        op_kwargs: dict[str, Any] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: list[str] | None = None,
        show_return_value_in_logs: bool = True,
        **kwargs: Any,
    ) -> None:
        if not callable(python_callable):
            raise AirflowException("`python_callable` param must be callable")
        super().__init__(**kwargs)
        self.python_callable = python_callable
        self.op_args = list(op_args or [])
        self.op_kwargs = dict(op_kwargs or {})
        self.templates_dict = templates_dict
        self.templates_exts = templates_exts
        self.show_return_value_in_logs = show_return_value_in_logs

    def execute(self, context: dict[str, Any]) -> Any:
        context["templates_dict"] = self.templates_dict
        merged = {**context, **self.op_kwargs}
        kwargs = determine_kwargs(self.python_callable, self.op_args, merged)
        result = self.python_callable(*self.op_args, **kwargs)
        if self.show_return_value_in_logs:
            log.info("Done. Returned value was: %s", result)
        else:
            log.info("Done. Returned value not shown")
        return result


def _as_id_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable):
        return [str(v) for v in value]
    raise AirflowException(
        f"Branch callable must return a task_id or list of task_ids, got {value!r}"
    )


class BranchPythonOperator(PythonOperator):
    """The callable returns the task_id(s) to follow; other direct downstream tasks skip."""

    def execute(self, context: dict[str, Any]) -> Any:
        branch = super().execute(context)
        follow = _as_id_list(branch)
        invalid = sorted(set(follow) - set(self.dag.task_dict))
        if invalid:
            raise AirflowException(
                "'branch_task_ids' must contain only valid task_ids. "
                f"Invalid tasks found: {invalid}."
            )
        context["ti"].follow_task_ids = follow
        return branch


class ShortCircuitOperator(PythonOperator):
    """A falsy result skips downstream: all of it (ignore_downstream_trigger_rules=True),
    or only the direct downstream tasks, leaving trigger rules to decide the rest;
    teardowns are not skipped."""

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: dict[str, Any]) -> Any:
        condition = super().execute(context)
        if condition:
            log.info("Proceeding with downstream tasks...")
            return condition
        log.info("Skipping downstream tasks...")
        # Teardowns are never short-circuited (Airflow 2.7+): they still clean up.
        if self.ignore_downstream_trigger_rules:
            context["ti"].skip_downstream = True
        else:
            context["ti"].follow_task_ids = [
                t.task_id for t in self.downstream_list if t.is_teardown]
        return condition


def get_current_context() -> dict[str, Any]:
    """The running task's template context."""
    from crosswind.dags.runtime import get_current_context as current

    return current()
