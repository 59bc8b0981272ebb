"""Datasets as DAG files author them (Airflow 2.10/2.11 `airflow.datasets`).

    Dataset("s3://b/k")            one dataset; its URI normalized as Airflow does
    DatasetAlias("name")           resolved to datasets when producing tasks add events
    a & b, a | b                   DatasetAll / DatasetAny conditions, nestable
    Metadata(target, extra, alias) yielded by a task: extra for the event of `target`

A condition is stored with the DAG as Airflow's `dataset_expression`: a URI string,
{"all": [...]}, {"any": [...]} or {"alias": name} (`as_expression`); the scheduler
evaluates that JSON (`evaluate`), never these objects.
"""

from __future__ import annotations

import urllib.parse
import warnings
from collections.abc import Callable, Iterator
from typing import Any

MAX_URI_LENGTH = 3000


def sanitize_uri(uri: str) -> str:
    """The normalized form of a dataset URI; raises ValueError for an invalid one."""
    if not isinstance(uri, str):
        raise TypeError(f"Dataset URI must be a string, got {type(uri).__name__}")
    if not uri:
        raise ValueError("Dataset URI cannot be empty")
    if uri.isspace():
        raise ValueError("Dataset URI cannot be just whitespace")
    if not uri.isascii():
        raise ValueError("Dataset URI must only consist of ASCII characters")
    if len(uri) > MAX_URI_LENGTH:
        raise ValueError(f"Length of 'uri' must be <= {MAX_URI_LENGTH}: {len(uri)}")
    parts = urllib.parse.urlsplit(uri)
    if not parts.scheme and not parts.netloc:  # not URI-like: kept as written
        return uri
    scheme = parts.scheme.lower()
    if not scheme or scheme.startswith("x-"):
        return uri
    if scheme == "airflow":
        raise ValueError("Dataset scheme 'airflow' is reserved")
    _, had_auth, netloc = parts.netloc.rpartition("@")
    if had_auth:
        warnings.warn("A dataset URI should not contain auth info (e.g. username or "
                      "password). It has been automatically dropped.", UserWarning, stacklevel=3)
    query = urllib.parse.urlencode(sorted(urllib.parse.parse_qsl(parts.query)))
    return urllib.parse.urlunsplit((scheme, netloc, parts.path.rstrip("/") or "/", query, ""))


class BaseDataset:
    """What `&` and `|` combine: datasets, aliases and conditions."""

    def __and__(self, other: Any) -> DatasetAll:
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAll(self, other)

    def __or__(self, other: Any) -> DatasetAny:
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAny(self, other)

    def as_expression(self) -> Any:
        raise NotImplementedError

    def iter_datasets(self) -> Iterator[Dataset]:
        return iter(())

    def iter_aliases(self) -> Iterator[DatasetAlias]:
        return iter(())


class Dataset(BaseDataset):
    """A dataset, identified by its normalized URI; `extra` is informational."""

    def __init__(self, uri: str, extra: dict[str, Any] | None = None) -> None:
        self.uri = sanitize_uri(uri)
        self.extra = extra

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Dataset) and other.uri == self.uri

    def __hash__(self) -> int:
        return hash(self.uri)

    def __repr__(self) -> str:
        return f"Dataset(uri={self.uri!r}, extra={self.extra!r})"

    @property
    def normalized_uri(self) -> str:
        return self.uri

    def as_expression(self) -> Any:
        return self.uri

    def iter_datasets(self) -> Iterator[Dataset]:
        yield self


class DatasetAlias(BaseDataset):
    """A name producing tasks attach datasets to at run time."""

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError("DatasetAlias name cannot be empty")
        if len(name) > MAX_URI_LENGTH:
            raise ValueError(f"Length of 'name' must be <= {MAX_URI_LENGTH}: {len(name)}")
        self.name = name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DatasetAlias) and other.name == self.name

    def __hash__(self) -> int:
        return hash(("alias", self.name))

    def __repr__(self) -> str:
        return f"DatasetAlias(name={self.name!r})"

    def as_expression(self) -> Any:
        return {"alias": self.name}

    def iter_aliases(self) -> Iterator[DatasetAlias]:
        yield self


class _Condition(BaseDataset):
    key = ""

    def __init__(self, *objects: BaseDataset) -> None:
        for obj in objects:
            if not isinstance(obj, BaseDataset):
                raise TypeError(f"expect dataset expressions in condition, got {obj!r}")
        self.objects = list(objects)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(map(repr, self.objects))})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.objects == self.objects  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((self.key, tuple(self.objects)))

    def as_expression(self) -> Any:
        return {self.key: [o.as_expression() for o in self.objects]}

    def iter_datasets(self) -> Iterator[Dataset]:
        seen: set[str] = set()
        for obj in self.objects:
            for ds in obj.iter_datasets():
                if ds.uri not in seen:
                    seen.add(ds.uri)
                    yield ds

    def iter_aliases(self) -> Iterator[DatasetAlias]:
        for obj in self.objects:
            yield from obj.iter_aliases()


class DatasetAll(_Condition):
    key = "all"

    def __and__(self, other: Any) -> DatasetAll:
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAll(*self.objects, other)  # a & b & c stays flat, as in Airflow


class DatasetAny(_Condition):
    key = "any"

    def __or__(self, other: Any) -> DatasetAny:
        if not isinstance(other, BaseDataset):
            return NotImplemented
        return DatasetAny(*self.objects, other)


def as_list(value: Any) -> list[Any]:
    """A task's `inlets` / `outlets` as a list (one object or a collection may be given)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def event_key(target: Any) -> str:
    """The key of outlet_events / inlet_events / Metadata: a URI or an alias name."""
    if isinstance(target, DatasetAlias):
        return target.name
    if isinstance(target, Dataset):
        return target.uri
    if isinstance(target, str):
        return sanitize_uri(target)
    raise TypeError(f"expected a Dataset, DatasetAlias or str, got {target!r}")


class Metadata:
    """Yielded from a task: the extra of the event of `target` (through `alias` if given)."""

    def __init__(self, target: Dataset | str, extra: dict[str, Any],
                 alias: DatasetAlias | str | None = None) -> None:
        self.uri = event_key(target)
        self.extra = extra
        self.alias_name = alias.name if isinstance(alias, DatasetAlias) else alias

    def __repr__(self) -> str:
        return f"Metadata(uri={self.uri!r}, extra={self.extra!r}, alias_name={self.alias_name!r})"


# -- the stored expression ------------------------------------------------------------------

def evaluate(expr: Any, ready: set[str], resolve: Callable[[str], set[str]]) -> bool:
    """Whether a stored condition holds when the URIs in `ready` have queued events.
    An alias holds when any dataset it resolves to is ready (none: not yet)."""
    if isinstance(expr, str):
        return expr in ready
    if "alias" in expr:
        return bool(resolve(expr["alias"]) & ready)
    if "all" in expr:
        return all(evaluate(e, ready, resolve) for e in expr["all"])
    return any(evaluate(e, ready, resolve) for e in expr.get("any", ()))


def expression_uris(expr: Any) -> set[str]:
    if isinstance(expr, str):
        return {expr}
    if not isinstance(expr, dict) or "alias" in expr:
        return set()
    return {u for e in expr.get("all", expr.get("any", ())) for u in expression_uris(e)}


def expression_aliases(expr: Any) -> set[str]:
    if isinstance(expr, dict):
        if "alias" in expr:
            return {expr["alias"]}
        return {a for e in expr.get("all", expr.get("any", ())) for a in expression_aliases(e)}
    return set()
