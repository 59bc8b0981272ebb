"""Task arguments: Airflow 2 defaults, ignored arguments, and default_args application.

Operator subclasses get default_args applied like Airflow's apply_defaults: for every
argument the class accepts (its __init__ signatures up the MRO, plus TASK_DEFAULTS)
that the caller did not pass, the DAG's default_args (then the task's own default_args)
fill it in. Unknown default_args keys are ignored.
"""

from __future__ import annotations

import functools
import inspect
from datetime import timedelta
from enum import StrEnum
from typing import Any

from crosswind.dags.trigger_rule import TriggerRule

# Task arguments Crosswind stores, with Airflow 2's defaults.
TASK_DEFAULTS: dict[str, Any] = {
    "owner": "airflow",
    "email": None,
    # Airflow 2's defaults: a task with `email` mails on failure and on retry.
    "email_on_failure": True,
    "email_on_retry": True,
    "retries": 0,
    "retry_delay": timedelta(seconds=300),
    "retry_exponential_backoff": False,
    "max_retry_delay": None,
    "execution_timeout": None,
    "trigger_rule": TriggerRule.ALL_SUCCESS,
    "pool": "default_pool",
    "pool_slots": 1,
    "priority_weight": 1,
    "weight_rule": "downstream",
    "queue": "default",
    "depends_on_past": False,
    "wait_for_downstream": False,
    "ignore_first_depends_on_past": True,
    "do_xcom_push": True,
    "on_execute_callback": None,
    "on_success_callback": None,
    "on_failure_callback": None,
    "on_retry_callback": None,
    "on_skipped_callback": None,
    "doc_md": None,
    "doc": None,
    "params": None,
    "start_date": None,
    "end_date": None,
    "max_active_tis_per_dag": None,
    "max_active_tis_per_dagrun": None,
    "multiple_outputs": False,
    "task_group": None,
    # Datasets (crosswind.dags.datasets): outlets emit events when the task succeeds.
    "inlets": None,
    "outlets": None,
    "pre_execute": None,
    "post_execute": None,
}
# Airflow arguments accepted for compatibility and not acted upon.
IGNORED_ARGS = frozenset(
    {
        "sla",
        "executor_config",
        "run_as_user",
        "resources",
        "task_concurrency",
        "doc_json",
        "doc_yaml",
        "doc_rst",
        "executor",
        "map_index_template",
        "owner_links",
        "priority",
        "retry_delay_multiplier",
        "allow_nested_operators",
        "logger_name",
    }
)
WEIGHT_RULES = ("downstream", "upstream", "absolute")


class WeightRule(StrEnum):
    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    ABSOLUTE = "absolute"


SECONDS_ARGS = ("retry_delay", "max_retry_delay", "execution_timeout")


@functools.cache
def accepted_args(cls: type) -> frozenset[str]:
    names: set[str] = set(TASK_DEFAULTS) | IGNORED_ARGS
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        for p in inspect.signature(getattr(init, "__wrapped__", init)).parameters.values():
            if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL) and p.name != "self":
                names.add(p.name)
    return frozenset(names)


def apply_defaults(init: Any) -> Any:
    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        if getattr(self, "_cw_init_done", None) is not None:  # nested super().__init__
            return init(self, *args, **kwargs)
        self._cw_init_done = False
        from crosswind.dags.dag import DagContext

        dag = kwargs.get("dag") or DagContext.get_current_dag()
        merged = dict(getattr(dag, "default_args", None) or {})
        group = kwargs.get("task_group") or DagContext.get_current_task_group()
        merged.update(getattr(group, "default_args", None) or {})
        merged.update(kwargs.pop("default_args", None) or {})
        accepted = accepted_args(type(self))
        for key, value in merged.items():
            if key in accepted and key not in kwargs:
                kwargs[key] = value
        if "params" in merged and "params" in kwargs and kwargs["params"] is not merged["params"]:
            kwargs["params"] = {**merged["params"], **kwargs["params"]}
        init(self, *args, **kwargs)
        self._cw_init_done = True
        _xcom_arg_upstreams(self)

    return wrapper


def _xcom_arg_upstreams(op: Any) -> None:
    """As Airflow: an XComArg given to a templated field (`subject=info["subject"]`) makes
    its task an upstream of this one, so it runs after it and is skipped with it."""
    from crosswind.dags.decorators import find_xcom_args

    for name in getattr(op, "template_fields", ()) or ():
        for arg in find_xcom_args(getattr(op, name, None)):
            upstream = getattr(arg, "operator", None)
            if upstream is not None and upstream is not op \
                    and upstream.task_id not in op.upstream_task_ids:
                op.set_upstream(upstream)
