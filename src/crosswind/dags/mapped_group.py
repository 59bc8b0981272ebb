"""Mapped task groups (Airflow 2.5+): `@task_group` functions `.partial(...).expand(...)`
and `.expand_kwargs(...)`.

The function runs once, inside a MappedTaskGroup; its mapped parameters are
MappedArguments, XComArgs that resolve to the group's expand input at the running map
index. Every task made in the group is mapped with the group: the scheduler expands each
into the group's number of indexes (serialized `mapped_group` and `expand_input`, see
scheduling/mapped_groups.py); index i of a task depends on index i of its upstreams in the
group and pulls their XCom of index i, while tasks downstream of the group see every index
(LazyXComSequence), as Airflow 2.11 does.

Not provided: a task mapped with `.expand()` inside a mapped group, and mapped groups
nested in mapped groups (both are a parse error naming the task).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from crosswind.dags.decorators import XComArg
from crosswind.dags.exceptions import AirflowException
from crosswind.dags.mapping import (
    DictOfListsInput,
    ListOfDictsInput,
    _check_expand_kwargs_value,
    _check_expand_values,
)
from crosswind.dags.task_group import TaskGroup


class MappedArgument(XComArg):
    """A mapped parameter of a mapped task group's function: the value of `key` in the
    group's expand input for the running map index."""

    def __init__(self, expand_input: DictOfListsInput | ListOfDictsInput, key: str) -> None:
        self.expand_input = expand_input
        self.arg_key = key
        self.key = "return_value"

    @property
    def operator(self) -> Any:  # type: ignore[override]
        refs = self.references()
        if not refs:
            raise AirflowException(
                f"mapped argument {self.arg_key!r} maps over literal values: it has no "
                "upstream task to set relationships with")
        return refs[0].operator

    def references(self) -> list[Any]:
        from crosswind.dags.mapping import references

        value = self.expand_input.value
        if isinstance(self.expand_input, DictOfListsInput):
            item = value.get(self.arg_key)
            return references(item) if isinstance(item, XComArg) else []
        return self.expand_input.references()

    def resolve(self, context: dict[str, Any]) -> Any:
        values = self.expand_input.resolve(context, context["ti"].map_index)
        if self.arg_key not in values:
            raise AirflowException(
                f"mapped task group argument {self.arg_key!r} is not in the expand input "
                f"of map index {context['ti'].map_index}")
        return values[self.arg_key]

    def __repr__(self) -> str:
        return f"MappedArgument({self.arg_key!r})"


class MappedTaskGroup(TaskGroup):
    """A task group made by `.expand()` / `.expand_kwargs()` of a @task_group function."""

    is_mapped = True

    def __init__(self, *, expand_input: DictOfListsInput | ListOfDictsInput,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.expand_input = expand_input
        if closest_mapped_group(self.parent_group) is not None:
            raise AirflowException(
                f"task group {self.group_id!r}: a mapped task group inside a mapped task "
                "group is not supported by Crosswind")

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        if exc[0] is not None:
            return
        for task in self._members():
            if getattr(task, "is_mapped", False):
                raise AirflowException(
                    f"task {task.task_id!r}: a mapped task (.expand) inside a mapped task "
                    "group is not supported by Crosswind")
            if str(getattr(task, "trigger_rule", "")) == "always":
                raise ValueError(
                    "Task-generated mapping within a mapped task group is not allowed with "
                    "trigger rule 'always'")
        # The tasks of the group run after what its expand input reads, as on Airflow.
        for ref in self.expand_input.references():
            self.set_upstream(ref.operator)

    def spec(self) -> dict[str, Any]:
        return self.expand_input.spec()


def closest_mapped_group(group: Any) -> MappedTaskGroup | None:
    while group is not None:
        if isinstance(group, MappedTaskGroup):
            return group
        group = group.parent_group
    return None


def mapped_group_of(task: Any) -> MappedTaskGroup | None:
    """The mapped task group a task is in (directly or through nested groups), if any."""
    return closest_mapped_group(getattr(task, "task_group", None))


def is_expanded(task: Any) -> bool:
    """A task that runs as map indexes: a mapped task or a task of a mapped group."""
    return bool(getattr(task, "is_mapped", False)) or mapped_group_of(task) is not None


def same_index_upstream(task: Any, upstream: Any) -> bool:
    """True when `task` reads index i of `upstream` (both in one mapped group)."""
    group = mapped_group_of(task)
    return group is not None and mapped_group_of(upstream) is group


def task_fields(task: Any) -> dict[str, Any]:
    """Serialized fields of a task of a mapped group: the group and its expand input."""
    group = mapped_group_of(task)
    if group is None:
        return {}
    return {"mapped_group": group.group_id, "expand_input": group.spec()}


class _GroupPartial:
    """`group_fn.partial(**kwargs)`: expand() / expand_kwargs() make the mapped group."""

    def __init__(self, function: Callable[..., Any], group_kwargs: dict[str, Any],
                 partial: dict[str, Any]) -> None:
        self.function, self.group_kwargs, self.partial_kwargs = function, group_kwargs, partial
        self._check_names("partial", partial)

    def _check_names(self, func: str, names: dict[str, Any]) -> None:
        params = inspect.signature(self.function).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return
        for key in names:
            if key not in params:
                raise TypeError(f"{func}() got an unexpected keyword argument {key!r}")

    def expand(self, **mapped: Any) -> Any:
        _check_expand_values("expand()", mapped)
        self._check_names("expand", mapped)
        for key in mapped:
            if key in self.partial_kwargs:
                raise TypeError(f"expand() got multiple values for argument {key!r}")
        expand_input = DictOfListsInput(mapped)
        return self._make(expand_input, list(mapped))

    def expand_kwargs(self, value: Any) -> Any:
        _check_expand_kwargs_value(value)
        params = inspect.signature(self.function).parameters
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params.values()):
            raise TypeError("calling expand_kwargs() on task group function with * or ** is "
                            "not supported")
        names = [k for k in params if k not in self.partial_kwargs]
        return self._make(ListOfDictsInput(value), names)

    def _make(self, expand_input: DictOfListsInput | ListOfDictsInput,
              names: Sequence[str]) -> Any:
        from crosswind.dags.decorators import group_id_of

        options = {k: v for k, v in self.group_kwargs.items() if k != "group_id"}
        options.setdefault("add_suffix_on_collision", True)
        gid = group_id_of(self.function, self.group_kwargs)
        arguments = {k: MappedArgument(expand_input, k) for k in names}
        with MappedTaskGroup(group_id=gid, expand_input=expand_input, **options) as group:
            if self.function.__doc__ and not group.tooltip:
                group.tooltip = self.function.__doc__
            result = self.function(**self.partial_kwargs, **arguments)
        return group if result is None else result


def add_mapping(factory: Any, function: Callable[..., Any], group_kwargs: dict[str, Any]
                ) -> None:
    """Give a @task_group factory Airflow's partial() / expand() / expand_kwargs()."""
    def partial(**kwargs: Any) -> _GroupPartial:
        return _GroupPartial(function, group_kwargs, kwargs)

    factory.partial = partial
    factory.expand = lambda **mapped: partial().expand(**mapped)
    factory.expand_kwargs = lambda value: partial().expand_kwargs(value)
