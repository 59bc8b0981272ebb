"""TaskFlow: @task (and .python/.branch/.short_circuit), @dag, and XComArg.

Calling a @task function inside a DAG creates an operator and returns an XComArg;
XComArgs passed as arguments wire the dependency and are replaced by the upstream's
XCom value when the task's templated fields are rendered.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

from crosswind.dags import setup_teardown
from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.dag import DAG, DagContext
from crosswind.dags.dependency import DependencyMixin
from crosswind.dags.mapping import NOTSET
from crosswind.dags.operators.python import (
    BranchPythonOperator,
    PythonOperator,
    ShortCircuitOperator,
)
from crosswind.dags.params import Param


class XComArg(DependencyMixin, setup_teardown.XComArgSetupTeardownMixin):
    """A reference to an operator's XCom value, resolved at run time."""

    def __init__(self, operator: BaseOperator, key: str = "return_value") -> None:
        self.operator = operator
        self.key = key

    def __getitem__(self, key: str) -> XComArg:
        return XComArg(self.operator, key=key)

    def resolve(self, context: dict[str, Any]) -> Any:
        return context["ti"].xcom_pull(task_ids=self.operator.task_id, key=self.key)

    def map(self, fn: Callable[[Any], Any]) -> XComArg:
        """A lazy sequence of fn(item) for each item of this XCom (dynamic task mapping)."""
        from crosswind.dags.xcom_arg_ops import MapXComArg

        return MapXComArg(self, fn)

    def zip(self, *others: XComArg, fillvalue: Any = NOTSET) -> XComArg:
        """Items of this and the other XComs paired by position (shortest, or longest with
        fillvalue given)."""
        from crosswind.dags.xcom_arg_ops import make_zip_arg

        return make_zip_arg(self, others, fillvalue)

    def set_upstream(self, other: Any) -> None:
        self.operator.set_upstream(other)

    def set_downstream(self, other: Any) -> None:
        self.operator.set_downstream(other)

    def __repr__(self) -> str:
        return f"XComArg({self.operator.task_id!r}, key={self.key!r})"


def find_xcom_args(value: Any) -> list[XComArg]:
    """Every XComArg inside value (lists, tuples, dicts)."""
    if isinstance(value, XComArg):
        refs = getattr(value, "references", None)  # .map() / .zip(): what they read
        return refs() if callable(refs) else [value]
    if isinstance(value, list | tuple | set):
        return [x for item in value for x in find_xcom_args(item)]
    if isinstance(value, dict):
        return [x for item in value.values() for x in find_xcom_args(item)]
    return []


def unique_task_id(dag: DAG | None, task_id: str) -> str:
    """Airflow's rule: a repeated task_id gets __1, __2, ... appended."""
    if dag is None or task_id not in dag.task_dict:
        return task_id
    core = re.split(r"__\d+$", task_id)[0]
    pattern = re.compile(rf"^{re.escape(core)}__(\d+)$")
    suffixes = [int(m.group(1)) for tid in dag.task_dict if (m := pattern.match(tid))]
    return f"{core}__{max(suffixes, default=0) + 1}"


class _TaskDecorator:
    """What @task returns: calling it inside a DAG creates the operator."""

    def __init__(
        self,
        function: Callable[..., Any],
        operator_class: type[PythonOperator],
        kwargs: dict[str, Any],
    ) -> None:
        functools.update_wrapper(self, function)
        self.function = function
        self.operator_class = operator_class
        self.kwargs = kwargs

    def prepare(self) -> tuple[str, dict[str, Any], bool]:
        """(task_id, operator options, multiple_outputs) of the next task made from this."""
        options = dict(self.kwargs)
        dag = options.get("dag") or DagContext.get_current_dag()
        name = options.pop("task_id", None) or self.function.__name__
        group = options.get("task_group") or DagContext.get_current_task_group()
        # Uniqueness is decided on the full id; BaseOperator adds the group prefix back.
        prefix = group.child_id("") if group is not None else ""
        task_id = unique_task_id(dag, prefix + name)[len(prefix) :]
        multiple = options.pop("multiple_outputs", None)
        if multiple is None:
            multiple = _returns_dict(self.function)
        return task_id, options, bool(multiple)

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        task_id, options, multiple = self.prepare()
        flags = setup_teardown.decorator_flags(self, options)
        op = self.operator_class(
            task_id=task_id,
            python_callable=self.function,
            op_args=list(args),
            op_kwargs=kwargs,
            multiple_outputs=multiple,
            **options,
        )
        setup_teardown.apply_flags(op, flags)
        for arg in find_xcom_args([args, kwargs]):
            op.set_upstream(arg.operator)
        return XComArg(op)

    def override(self, **kwargs: Any) -> _TaskDecorator:
        new = _TaskDecorator(self.function, self.operator_class, {**self.kwargs, **kwargs})
        return setup_teardown.keep_flags(self, new)

    def partial(self, **kwargs: Any) -> Any:
        from crosswind.dags.mapping import TaskFlowPartial

        return TaskFlowPartial(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        return self.partial().expand(**mapped)

    def expand_kwargs(self, value: Any, *, strict: bool = True) -> XComArg:
        return self.partial().expand_kwargs(value, strict=strict)


def _returns_dict(function: Callable[..., Any]) -> bool:
    ann = inspect.signature(function).return_annotation
    if isinstance(ann, str):
        return ann.startswith(("dict", "Dict", "typing.Dict"))
    return ann is dict or getattr(ann, "__origin__", None) is dict


def _decorator_for(operator_class: type[PythonOperator]) -> Callable[..., Any]:
    def decorate(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        if python_callable is not None and callable(python_callable):
            return _TaskDecorator(python_callable, operator_class, kwargs)
        return lambda f: _TaskDecorator(f, operator_class, kwargs)

    return decorate


class _TaskNamespace:
    """`task` itself: @task, @task(...), @task.python, @task.branch, @task.short_circuit,
    @task.sensor."""

    python = staticmethod(_decorator_for(PythonOperator))
    branch = staticmethod(_decorator_for(BranchPythonOperator))
    short_circuit = staticmethod(_decorator_for(ShortCircuitOperator))

    @staticmethod
    def virtualenv(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return _venv_decorator("PythonVirtualenvOperator", python_callable, kwargs)

    @staticmethod
    def external_python(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return _venv_decorator("ExternalPythonOperator", python_callable, kwargs)

    @staticmethod
    def branch_virtualenv(python_callable: Callable[..., Any] | None = None,
                          **kwargs: Any) -> Any:
        return _venv_decorator("BranchPythonVirtualenvOperator", python_callable, kwargs)

    @staticmethod
    def branch_external_python(python_callable: Callable[..., Any] | None = None,
                               **kwargs: Any) -> Any:
        return _venv_decorator("BranchExternalPythonOperator", python_callable, kwargs)

    @staticmethod
    def bash(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        from crosswind.dags.operators.bash_decorator import DecoratedBashOperator

        return _decorator_for(DecoratedBashOperator)(python_callable, **kwargs)  # type: ignore[arg-type]

    @staticmethod
    def sensor(python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        from crosswind.dags.operators.sensor_decorator import DecoratedSensorOperator

        return _decorator_for(DecoratedSensorOperator)(python_callable, **kwargs)  # type: ignore[arg-type]

    def __call__(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        return self.python(python_callable, **kwargs)

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(f"@task.{name} is not supported by Crosswind")


def _venv_decorator(class_name: str, python_callable: Any, kwargs: dict[str, Any]) -> Any:
    """@task.virtualenv and friends (crosswind.dags.operators.python_venv)."""
    from crosswind.dags.operators import python_venv

    return _decorator_for(getattr(python_venv, class_name))(python_callable, **kwargs)


task = _TaskNamespace()


def task_group(group_id: Any = None, **group_kwargs: Any) -> Any:
    """@task_group: calling the function creates a TaskGroup around the tasks it makes.

    Returns what the function returns when that is not None (so `a >> group_fn() >> b`
    binds to the returned task), else the group itself, like Airflow."""

    if isinstance(group_id, str):
        group_kwargs = {"group_id": group_id, **group_kwargs}

    def wrap(function: Callable[..., Any]) -> Callable[..., Any]:
        from crosswind.dags.mapped_group import add_mapping

        @functools.wraps(function)
        def factory(*args: Any, **kwargs: Any) -> Any:
            from crosswind.dags.task_group import TaskGroup

            options = {k: v for k, v in group_kwargs.items() if k != "group_id"}
            # Calling the same @task_group function again makes group__1, group__2, ...
            options.setdefault("add_suffix_on_collision", True)
            with TaskGroup(group_id_of(function, group_kwargs), **options) as group:
                result = function(*args, **kwargs)
            return group if result is None else result

        factory._is_task_group = True  # type: ignore[attr-defined]  # @setup refuses it
        add_mapping(factory, function, group_kwargs)  # .partial() / .expand() (mapped_group)
        return factory

    return wrap(group_id) if callable(group_id) else wrap


def group_id_of(function: Callable[..., Any], group_kwargs: dict[str, Any]) -> str:
    """A @task_group's id: the group_id given, else the function's name."""
    return group_kwargs.get("group_id") or function.__name__


def dag(dag_id: Any = None, **dag_kwargs: Any) -> Any:
    """@dag: calling the decorated function builds the DAG; its arguments become params."""
    if callable(dag_id):
        return _dag_factory(dag_id, None, dag_kwargs)
    return lambda f: _dag_factory(f, dag_id, dag_kwargs)


def _dag_factory(
    function: Callable[..., Any], dag_id: str | None, dag_kwargs: dict[str, Any]
) -> Any:
    signature = inspect.signature(function)

    @functools.wraps(function)
    def factory(*args: Any, **kwargs: Any) -> DAG:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        params = dict(dag_kwargs.get("params") or {})
        for name, value in bound.arguments.items():
            params.setdefault(name, value if isinstance(value, Param) else Param(value))
        options = {**dag_kwargs, "params": params}
        options.setdefault("doc_md", function.__doc__)
        the_dag = DAG(dag_id or function.__name__, **options)
        the_dag.fileloc = function.__code__.co_filename
        with the_dag:
            function(*bound.args, **bound.kwargs)
        return the_dag

    return factory
