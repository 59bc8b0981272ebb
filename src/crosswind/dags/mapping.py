"""Dynamic task mapping (Airflow 2.3+): `.partial(...).expand(...)`, `.expand_kwargs(...)`,
`XComArg.map()` / `.zip()`.

A mapped task is a MappedOperator in the DAG: it carries the operator class, the partial
arguments and an expand input. The scheduler turns it into task instances with map_index
0..n-1 once its upstreams are done (scheduling/expansion.py, from the `expand_input`
spec serialized here); each task process rebuilds the real operator for its index with
`unmap()`. Zero indexes: the task is skipped, as Airflow does. A downstream task pulling
a mapped task's XCom gets a LazyXComSequence of every index's value in map_index order.

Setting: `CROSSWIND_MAX_MAP_LENGTH` (default 1024, Airflow's [core] max_map_length): an
upstream pushing a longer list for a mapped task to expand over fails, as on Airflow.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ClassVar, Union

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.exceptions import AirflowException
from crosswind.dags.task_args import TASK_DEFAULTS, accepted_args

DEFAULT_MAX_MAP_LENGTH = 1024
# Arguments that name or place the task: set in partial(), never mapped over.
_NOT_MAPPABLE = frozenset({"task_id", "dag", "task_group", "default_args",
                           "map_index_template", "max_active_tis_per_dag",
                           "max_active_tis_per_dagrun"})


class NotSet:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = NotSet()


class UnmappableXComTypePushed(AirflowException):
    """An upstream pushed something else than a list or a dict for a task to map over."""

    def __init__(self, value: Any) -> None:
        super().__init__(f"unmappable return type {type(value).__qualname__!r}")


class UnmappableXComLengthPushed(AirflowException):
    def __init__(self, value: Any, max_length: int) -> None:
        super().__init__(f"unmappable return value length: {len(value)} > {max_length}")


class XComForMappingNotPushed(AirflowException):
    def __init__(self) -> None:
        super().__init__("did not push XCom for task mapping")


def max_map_length() -> int:
    """Read when used (task processes and the scheduler), not at import."""
    return int(os.environ.get("CROSSWIND_MAX_MAP_LENGTH") or DEFAULT_MAX_MAP_LENGTH)


# -- lazy sequences -----------------------------------------------------------------------
class LazyXComSequence(Sequence[Any]):
    """Every map index's XCom of a mapped task, in map_index order, read on first use
    (indexes that pushed nothing are left out, as Airflow's LazyXComSelectSequence)."""

    def __init__(self, backend: Any, dag_id: str, run_id: str, task_id: str, key: str) -> None:
        self._where = (backend, dag_id, run_id, task_id, key)
        self._values: list[Any] | None = None

    def _load(self) -> list[Any]:
        if self._values is None:
            backend, dag_id, run_id, task_id, key = self._where
            self._values = list(backend.xcom_pull_mapped(
                dag_id=dag_id, run_id=run_id, task_id=task_id, key=key))
        return self._values

    def __getitem__(self, index: Any) -> Any:
        return self._load()[index]

    def __len__(self) -> int:
        return len(self._load())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._load())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"LazyXComSequence({self._load()!r})"


def as_sequence(value: Any) -> Sequence[Any]:
    """What mapping iterates over: a dict maps over its (key, value) pairs."""
    if isinstance(value, dict):
        return list(value.items())
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return value
    raise UnmappableXComTypePushed(value)


class MappedSequence(Sequence[Any]):
    """XComArg.map(): the callables applied lazily, item by item."""

    def __init__(self, source: Sequence[Any], callables: list[Callable[[Any], Any]]) -> None:
        self._source, self._callables = source, callables

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = self._source[index]
        for fn in self._callables:
            value = fn(value)
        return value

    def __len__(self) -> int:
        return len(self._source)


# -- XComArg.map() / .zip() ---------------------------------------------------------------
def _xcomarg_base() -> type:
    from crosswind.dags.decorators import XComArg

    return XComArg


def references(arg: Any) -> list[Any]:
    """The plain XComArgs an XComArg (plain, map or zip) reads."""
    refs = getattr(arg, "references", None)
    return refs() if callable(refs) else [arg]


def length_spec(value: Any) -> dict[str, Any]:
    """How the scheduler learns how many indexes one expanded argument has."""
    spec = getattr(value, "length_spec", None)
    if callable(spec):
        return spec()
    if isinstance(value, _xcomarg_base()):
        # "plain": index i maps over item i of the value itself (the scheduler may then
        # hand each index its item: scheduling/mapped_inputs.py).
        return {"xcom": value.operator.task_id, "key": value.key,
                "plain": type(value) is _xcomarg_base()}
    return {"literal": len(value)}


# -- expand inputs ------------------------------------------------------------------------
class DictOfListsInput:
    """expand(a=[...], b=xcom): the cross product, the last argument varying fastest."""

    kind = "dict-of-lists"

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value

    def references(self) -> list[Any]:
        base = _xcomarg_base()
        return [r for v in self.value.values() if isinstance(v, base) for r in references(v)]

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "lengths": {k: length_spec(v) for k, v in self.value.items()}}

    def resolve(self, context: dict[str, Any], map_index: int,
                from_xcom: set[str] | None = None) -> dict[str, Any]:
        """The arguments of index map_index; `from_xcom` gets the names whose value came
        from an XCom (not rendered as templates, as on Airflow)."""
        base = _xcomarg_base()
        # Items the scheduler handed this index ([item, length] by argument), so it does
        # not read the whole upstream list (WorkItem.mapped_args).
        given = getattr(context.get("ti"), "mapped_args", None) or {}
        seqs = {k: as_sequence(v.resolve(context) if isinstance(v, base) else v)
                for k, v in self.value.items() if k not in given}
        lengths = {k: given[k][1] if k in given else len(seqs[k]) for k in self.value}
        if from_xcom is not None:
            from_xcom.update(k for k, v in self.value.items() if isinstance(v, base))
        if map_index < 0:
            raise AirflowException("a mapped task runs with a map_index >= 0")
        out: dict[str, Any] = {}
        rest = map_index
        for key in reversed(list(self.value)):
            rest, pos = divmod(rest, lengths[key])
            out[key] = given[key][0] if key in given else seqs[key][pos]
        return dict(reversed(list(out.items())))


class ListOfDictsInput:
    """expand_kwargs([{...}, {...}] or an XComArg of such a list): one dict per index."""

    kind = "list-of-dicts"

    def __init__(self, value: Any) -> None:
        self.value = value

    def references(self) -> list[Any]:
        from crosswind.dags.decorators import find_xcom_args

        base = _xcomarg_base()
        if isinstance(self.value, base):
            return references(self.value)
        return [r for x in find_xcom_args(self.value) for r in references(x)]

    def spec(self) -> dict[str, Any]:
        return {"type": self.kind, "lengths": {"": length_spec(self.value)}}

    def resolve(self, context: dict[str, Any], map_index: int,
                from_xcom: set[str] | None = None) -> dict[str, Any]:
        base = _xcomarg_base()
        whole = isinstance(self.value, base)
        value = self.value.resolve(context) if whole else self.value
        item = as_sequence(value)[map_index]
        if isinstance(item, base):
            item, whole = item.resolve(context), True
        if not isinstance(item, dict):
            raise AirflowException(
                f"expand_kwargs() expects a list of dicts, got an item of type "
                f"{type(item).__name__}")
        if from_xcom is not None:
            from_xcom.update(k for k, v in item.items() if whole or isinstance(v, base))
        return {k: v.resolve(context) if isinstance(v, base) else v for k, v in item.items()}


def _check_expand_values(func: str, kwargs: dict[str, Any]) -> None:
    if not kwargs:
        raise TypeError("no arguments to expand against")
    base = _xcomarg_base()
    for key, value in kwargs.items():
        if not isinstance(value, list | tuple | dict | base):
            raise ValueError(
                f"{func} got an unexpected type {type(value).__name__!r} for keyword "
                f"argument {key!r}")


def _check_expand_kwargs_value(value: Any) -> None:
    base = _xcomarg_base()
    if isinstance(value, base):
        return
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected XComArg or list[dict], not {type(value).__name__}")
    for item in value:
        if not isinstance(item, dict | base):
            raise TypeError(f"expected XComArg or list[dict], not list[{type(item).__name__}]")


# -- the mapped operator ------------------------------------------------------------------
class MappedOperator(BaseOperator):
    """The task in the DAG for `.partial(...).expand(...)`; `unmap()` builds the real
    operator of one map index."""

    is_mapped = True
    _takes_mapped: ClassVar[bool] = True  # isinstance(task, MappedOperator) (OperatorMeta)

    def __init__(self, *, operator_class: type, partial_kwargs: dict[str, Any],
                 expand_input: DictOfListsInput | ListOfDictsInput,
                 expand_into: str | None = None, **kwargs: Any) -> None:
        base = {k: v for k, v in partial_kwargs.items() if k in TASK_DEFAULTS}
        super().__init__(**{**kwargs, **base})
        self.operator_class = operator_class
        self.partial_kwargs = partial_kwargs
        self.expand_input = expand_input
        self.expand_into = expand_into  # "op_kwargs" for TaskFlow, else constructor args
        self.map_index_template = partial_kwargs.get("map_index_template")
        self.template_fields = tuple(getattr(operator_class, "template_fields", ()))
        self.ui_color = getattr(operator_class, "ui_color", self.ui_color)
        self.ui_fgcolor = getattr(operator_class, "ui_fgcolor", self.ui_fgcolor)
        self.operator_extra_links = getattr(operator_class, "operator_extra_links", ())
        self.multiple_outputs = bool(partial_kwargs.get("multiple_outputs"))
        for ref in expand_input.references():
            self.set_upstream(ref.operator)

    @property
    def task_type(self) -> str:
        return self.operator_class.__name__

    def serialized_extras(self) -> dict[str, Any]:
        return {"expand_input": self.expand_input.spec(),
                "map_index_template": self.map_index_template}

    def execute(self, context: dict[str, Any]) -> Any:
        return self.unmap(context).execute(context)

    def unmap(self, context: dict[str, Any]) -> BaseOperator:
        """The operator of the running map index, its mapped arguments resolved."""
        from crosswind.dags.dag import DagContext

        from_xcom: set[str] = set()
        resolved = self.expand_input.resolve(context, context["ti"].map_index, from_xcom)
        kwargs = {k: v for k, v in self.partial_kwargs.items() if k != "map_index_template"}
        if self.expand_into:
            kwargs[self.expand_into] = {**(kwargs.get(self.expand_into) or {}), **resolved}
        else:
            kwargs.update(resolved)
        kwargs["task_id"] = self.task_id
        # Built outside any `with DAG` so it joins no DAG; it then borrows this task's place.
        saved = DagContext._stack, DagContext._group_stack
        DagContext._stack, DagContext._group_stack = [], []
        try:
            op = self.operator_class(**kwargs)
        finally:
            DagContext._stack, DagContext._group_stack = saved
        op.task_id = self.task_id
        op._dag = self._dag
        op.task_group = self.task_group
        op.upstream_task_ids = self.upstream_task_ids
        op.downstream_task_ids = self.downstream_task_ids
        op.map_index_template = self.map_index_template  # type: ignore[attr-defined]
        for flag in ("is_setup", "is_teardown", "on_failure_fail_dagrun"):
            setattr(op, flag, getattr(self, flag))
        # Values from XComs are used as they are, never rendered (templating.py).
        op.mapped_xcom_values = [resolved[k] for k in from_xcom]  # type: ignore[attr-defined]
        return op

    def __repr__(self) -> str:
        return f"<Mapped({self.operator_class.__name__}): {self.task_id}>"


# airflow.models.operator.Operator: either kind of task.
Operator = Union[BaseOperator, MappedOperator]  # noqa: UP007 - a runtime alias, as Airflow's


def _split_partial(operator_class: type, kwargs: dict[str, Any]) -> dict[str, Any]:
    """partial() arguments with the DAG's (and group's) default_args applied now, as
    Airflow does; unknown arguments are a TypeError."""
    from crosswind.dags.dag import DagContext

    accepted = accepted_args(operator_class) | {"map_index_template"}
    unknown = sorted(set(kwargs) - accepted)
    if unknown and "kwargs" not in _init_params(operator_class):
        raise TypeError(f"partial() got an unexpected keyword argument {unknown[0]!r}")
    dag = kwargs.get("dag") or DagContext.get_current_dag()
    group = kwargs.get("task_group") or DagContext.get_current_task_group()
    merged = dict(getattr(dag, "default_args", None) or {})
    merged.update(getattr(group, "default_args", None) or {})
    merged.update(kwargs.pop("default_args", None) or {})
    out = dict(kwargs)
    for key, value in merged.items():
        if key in accepted and key not in out:
            out[key] = value
    return out


def _init_params(cls: type) -> set[str]:
    init = getattr(cls.__init__, "__wrapped__", cls.__init__)
    return {p.name for p in inspect.signature(init).parameters.values()
            if p.kind is not p.VAR_KEYWORD}


class OperatorPartial:
    """`SomeOperator.partial(task_id=..., ...)`: expand() / expand_kwargs() make the task."""

    def __init__(self, operator_class: type, kwargs: dict[str, Any]) -> None:
        if "task_id" not in kwargs:
            raise TypeError("partial() missing required keyword argument: 'task_id'")
        self.operator_class = operator_class
        self.kwargs = _split_partial(operator_class, dict(kwargs))

    def expand(self, **mapped: Any) -> MappedOperator:
        _check_expand_values("expand()", mapped)
        self._check_names(mapped)
        return self._make(DictOfListsInput(mapped))

    def expand_kwargs(self, value: Any, *, strict: bool = True) -> MappedOperator:
        _check_expand_kwargs_value(value)
        return self._make(ListOfDictsInput(value))

    def _check_names(self, mapped: dict[str, Any]) -> None:
        accepted = accepted_args(self.operator_class)
        for key in mapped:
            if key in _NOT_MAPPABLE:
                raise ValueError(f"cannot map over parameter {key!r}")
            if key in self.kwargs:
                raise TypeError(f"expand() got multiple values for argument {key!r}")
            if key not in accepted and "kwargs" not in _init_params(self.operator_class):
                raise TypeError(f"expand() got an unexpected keyword argument {key!r}")

    def _make(self, expand_input: Any) -> MappedOperator:
        options = dict(self.kwargs)
        task_id = options.pop("task_id")
        extra = {k: options.pop(k) for k in ("dag", "task_group") if k in options}
        return MappedOperator(operator_class=self.operator_class, partial_kwargs=options,
                              expand_input=expand_input, task_id=task_id, **extra)


def check_push_for_mapping(task: Any, value: Any) -> None:
    """Before an unmapped task pushes its return value: when a mapped task expands over
    it, the value must be a list or dict within max_map_length (Airflow's checks)."""
    if getattr(task, "is_mapped", False) or not task.has_dag():
        return
    from crosswind.dags.mapped_group import mapped_group_of

    dag = task.dag
    for child_id in task.downstream_task_ids:
        child = dag.task_dict.get(child_id)
        # A mapped task, or a task of a mapped group (it maps with the group's input).
        mapper = child if getattr(child, "is_mapped", False) else mapped_group_of(child)
        if mapper is None or mapper is mapped_group_of(task):
            continue
        for ref in mapper.expand_input.references():
            if ref.operator.task_id == task.task_id and ref.key == "return_value":
                _check_value(value)
                return


def _check_value(value: Any) -> None:
    if value is None:
        raise XComForMappingNotPushed()
    if not isinstance(value, list | tuple | dict):
        raise UnmappableXComTypePushed(value)
    if len(value) > max_map_length():
        raise UnmappableXComLengthPushed(value, max_map_length())


def is_mapped(task: Any) -> bool:
    return bool(getattr(task, "is_mapped", False))


def expand_length(task: MappedOperator, context: dict[str, Any]) -> int:
    """The number of map indexes, resolving upstream XComs in context (DAG.test())."""
    value = task.expand_input.value
    base = _xcomarg_base()

    def size(v: Any) -> int:
        return len(as_sequence(v.resolve(context) if isinstance(v, base) else v))

    if isinstance(task.expand_input, ListOfDictsInput):
        return size(value)
    n = 1
    for v in value.values():
        n *= size(v)
    return n


class TaskFlowPartial:
    """`@task` function `.partial(**fn_kwargs)`: expand() / expand_kwargs() map the
    function's other arguments (op_kwargs of the PythonOperator it makes)."""

    def __init__(self, decorator: Any, fn_kwargs: dict[str, Any]) -> None:
        self.decorator = decorator
        self.fn_kwargs = fn_kwargs
        self._check_names("partial()", fn_kwargs)

    def _check_names(self, func: str, names: dict[str, Any]) -> None:
        params = inspect.signature(self.decorator.function).parameters
        if any(p.kind is p.VAR_KEYWORD for p in params.values()):
            return
        for key in names:
            if key not in params:
                raise TypeError(f"{func} got an unexpected keyword argument {key!r}")

    def expand(self, **mapped: Any) -> Any:
        _check_expand_values("expand()", mapped)
        self._check_names("expand()", mapped)
        for key in mapped:
            if key in self.fn_kwargs:
                raise TypeError(f"expand() got multiple values for argument {key!r}")
        return self._make(DictOfListsInput(mapped))

    def expand_kwargs(self, value: Any, *, strict: bool = True) -> Any:
        _check_expand_kwargs_value(value)
        return self._make(ListOfDictsInput(value))

    def _make(self, expand_input: Any) -> Any:
        from crosswind.dags import setup_teardown
        from crosswind.dags.decorators import XComArg, find_xcom_args

        task_id, options, multiple = self.decorator.prepare()
        flags = setup_teardown.decorator_flags(self.decorator, options)  # @setup/@teardown
        partial = _split_partial(self.decorator.operator_class, {
            "task_id": task_id, "python_callable": self.decorator.function, "op_args": [],
            "op_kwargs": dict(self.fn_kwargs), "multiple_outputs": multiple, **options})
        partial.pop("task_id")
        extra = {k: partial.pop(k) for k in ("dag", "task_group") if k in partial}
        op = MappedOperator(operator_class=self.decorator.operator_class,
                            partial_kwargs=partial, expand_input=expand_input,
                            expand_into="op_kwargs", task_id=task_id, **extra)
        setup_teardown.apply_flags(op, flags)
        for arg in find_xcom_args(self.fn_kwargs):
            for ref in references(arg):
                op.set_upstream(ref.operator)
        return XComArg(op)
