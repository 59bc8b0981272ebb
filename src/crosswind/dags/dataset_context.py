"""`outlet_events` and `inlet_events` of the task context, and the events a try emits.

outlet_events[Dataset].extra = {...}               extra of that outlet's event
outlet_events[DatasetAlias].add(Dataset, extra=)   an event through the alias
yield Metadata(dataset, extra, alias=...)          the same, from the task's callable
inlet_events[Dataset | DatasetAlias]               that inlet's events, oldest first

`emitted()` turns them into the plain dicts a try reports with its success; the database
write (`crosswind.store.dataset_events.record`) happens with the success, atomically.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from types import GeneratorType
from typing import Any

from crosswind.dags.datasets import (
    Dataset,
    DatasetAlias,
    Metadata,
    as_list,
    event_key,
    sanitize_uri,
)
from crosswind.dags.runtime import get_backend


class OutletEventAccessor:
    def __init__(self, raw_key: Any) -> None:
        self.raw_key = raw_key
        self.extra: dict[str, Any] = {}
        self.dataset_alias_events: list[dict[str, Any]] = []

    def add(self, dataset: Dataset | str, extra: dict[str, Any] | None = None) -> None:
        """An event for `dataset` through this alias (ignored unless the key is an alias)."""
        uri = dataset.uri if isinstance(dataset, Dataset) else sanitize_uri(dataset)
        name = self.raw_key.name if isinstance(self.raw_key, DatasetAlias) else self.raw_key
        if isinstance(name, str):
            self.dataset_alias_events.append(
                {"source_alias_name": name, "dest_dataset_uri": uri, "extra": extra or {}})


class OutletEventAccessors(Mapping[str, OutletEventAccessor]):
    def __init__(self) -> None:
        self._dict: dict[str, OutletEventAccessor] = {}

    def __getitem__(self, key: Any) -> OutletEventAccessor:
        name = event_key(key)
        if name not in self._dict:
            self._dict[name] = OutletEventAccessor(key)
        return self._dict[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def apply(self, meta: Metadata) -> None:
        """A yielded Metadata: Airflow's ExecutionCallableRunner semantics."""
        self[meta.uri].extra.update(meta.extra)
        if meta.alias_name:
            self[meta.alias_name].add(meta.uri, extra=meta.extra)


class InletEvent:
    """One dataset event as inlet_events lists it (Airflow's DatasetEvent attributes)."""

    def __init__(self, row: Mapping[str, Any]) -> None:
        self.id = row.get("id")
        self.dataset_id = row.get("dataset_id")
        self.uri = row.get("uri")
        self.extra = row.get("extra") or {}
        self.source_dag_id = row.get("source_dag_id")
        self.source_task_id = row.get("source_task_id")
        self.source_run_id = row.get("source_run_id")
        self.source_map_index = row.get("source_map_index")
        ts = row.get("timestamp")
        self.timestamp = datetime.fromisoformat(ts) if isinstance(ts, str) else ts

    def __repr__(self) -> str:
        return (f"DatasetEvent(id={self.id}, dataset_id={self.dataset_id}, extra={self.extra!r}, "
                f"source_dag_id={self.source_dag_id!r}, source_task_id={self.source_task_id!r}, "
                f"source_run_id={self.source_run_id!r}, timestamp={self.timestamp})")


class InletEventsAccessors(Mapping[Any, Sequence[InletEvent]]):
    """Lazy: the events of an inlet are read from the database when first asked for."""

    def __init__(self, inlets: list[Any]) -> None:
        self._inlets = [i for i in inlets if isinstance(i, Dataset | DatasetAlias)]
        self._cache: dict[tuple[str, str], list[InletEvent]] = {}

    def __getitem__(self, key: Any) -> Sequence[InletEvent]:
        obj = self._inlets[key] if isinstance(key, int) else key
        if isinstance(obj, DatasetAlias):
            ident = ("alias", obj.name)
        elif isinstance(obj, Dataset | str):
            uri = event_key(obj)
            if not any(isinstance(i, Dataset) and i.uri == uri for i in self._inlets):
                raise KeyError(uri)
            ident = ("uri", uri)
        else:
            raise ValueError(key)
        if ident not in self._cache:
            reader = getattr(get_backend(), "dataset_events", None)
            rows = reader(**{ident[0]: ident[1]}) if reader is not None else []
            self._cache[ident] = [InletEvent(r) for r in rows]
        return self._cache[ident]

    def __iter__(self) -> Iterator[Any]:
        return iter(self._inlets)

    def __len__(self) -> int:
        return len(self._inlets)


class TriggeringEvents(Mapping[str, list[InletEvent]]):
    """triggering_dataset_events: URI -> the events a dataset-triggered run consumed
    (read on first use; empty for other runs)."""

    def __init__(self, dag_id: str, run_id: str, run_type: str) -> None:
        self._key = (dag_id, run_id, run_type)
        self._data: dict[str, list[InletEvent]] | None = None

    def _load(self) -> dict[str, list[InletEvent]]:
        if self._data is None:
            self._data = {}
            dag_id, run_id, run_type = self._key
            reader = getattr(get_backend(), "dataset_events", None)
            if run_type == "dataset_triggered" and reader is not None:
                for row in reader(consumed_by=(dag_id, run_id)):
                    self._data.setdefault(row["uri"], []).append(InletEvent(row))
        return self._data

    def __getitem__(self, uri: str) -> list[InletEvent]:
        return self._load()[uri]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())

    def __repr__(self) -> str:
        return repr(self._load())


def context_entries(task: Any, run: Any = None) -> dict[str, Any]:
    """The dataset keys of the task context."""
    triggering = (TriggeringEvents(run.dag_id, run.run_id, run.run_type)
                  if run is not None else {})
    return {
        "triggering_dataset_events": triggering,
        "outlet_events": OutletEventAccessors(),
        "inlet_events": InletEventsAccessors(as_list(getattr(task, "inlets", None))),
        "inlets": as_list(getattr(task, "inlets", None)),
        "outlets": as_list(getattr(task, "outlets", None)),
    }


def drain(result: Any, context: dict[str, Any]) -> Any:
    """A task callable that is a generator: apply each yielded Metadata, return its value."""
    if not isinstance(result, GeneratorType):
        return result
    events = context.get("outlet_events")
    try:
        while True:
            item = next(result)
            if isinstance(item, Metadata) and isinstance(events, OutletEventAccessors):
                events.apply(item)
    except StopIteration as stop:
        return stop.value


def emitted(task: Any, context: dict[str, Any]) -> list[dict[str, Any]]:
    """The events a successful try emits: one per Dataset outlet, and per (dataset, extra)
    added through an alias outlet (with every alias that added it), as Airflow does."""
    events = context.get("outlet_events")
    if not isinstance(events, OutletEventAccessors):
        return []
    out: list[dict[str, Any]] = []
    through: dict[tuple[str, str], dict[str, Any]] = {}
    for obj in as_list(getattr(task, "outlets", None)):
        if isinstance(obj, Dataset):
            out.append({"uri": obj.uri, "extra": events[obj].extra or {}, "aliases": []})
        elif isinstance(obj, DatasetAlias):
            for ev in events[obj].dataset_alias_events:
                key = (ev["dest_dataset_uri"], json.dumps(ev["extra"], sort_keys=True, default=str))
                entry = through.setdefault(
                    key, {"uri": key[0], "extra": ev["extra"], "aliases": []})
                if ev["source_alias_name"] not in entry["aliases"]:
                    entry["aliases"].append(ev["source_alias_name"])
    return out + list(through.values())
