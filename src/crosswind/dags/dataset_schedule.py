"""Dataset schedules of a DAG: `schedule=[Dataset, ...]`, a condition (`a & b`, `a | b`),
a DatasetAlias, or `DatasetOrTimeSchedule(timetable=..., datasets=...)`.

`split()` separates the dataset condition from the time part; the time part goes through
the ordinary schedule code (`normalize_schedule` / `timetable_for`), so whatever timetable
that code accepts can be wrapped. The serialized DAG gets `dataset_expression` (Airflow's
JSON form) and `dataset_schedule` ("dataset" or "dataset_or_time").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from crosswind.dags.datasets import BaseDataset, Dataset, DatasetAlias, DatasetAll, as_list


class DatasetOrTimeSchedule:
    """Runs on the timetable's schedule and also whenever the dataset condition holds."""

    def __init__(self, *, timetable: Any, datasets: BaseDataset | Iterable[BaseDataset]) -> None:
        self.timetable = timetable
        self.datasets = as_condition(datasets)
        self.dataset_condition = self.datasets

    def __repr__(self) -> str:
        return f"DatasetOrTimeSchedule(timetable={self.timetable!r}, datasets={self.datasets!r})"


def as_condition(value: Any) -> BaseDataset:
    """A condition from a BaseDataset or a list of them (a list means all of them)."""
    if isinstance(value, BaseDataset):
        return value
    items = list(value)
    for item in items:
        if not isinstance(item, BaseDataset):
            raise ValueError(f"Invalid dataset in schedule: {item!r} is not a Dataset")
    return DatasetAll(*items)


def is_dataset_schedule(value: Any) -> bool:
    if isinstance(value, BaseDataset | DatasetOrTimeSchedule):
        return True
    return (isinstance(value, list | tuple) and bool(value)
            and all(isinstance(v, BaseDataset) for v in value))


def split(value: Any) -> tuple[Any, BaseDataset | None, str | None]:
    """(time part for normalize_schedule, dataset condition or None, dataset_schedule kind)."""
    if isinstance(value, DatasetOrTimeSchedule):
        return time_value(value.timetable), value.datasets, "dataset_or_time"
    if is_dataset_schedule(value):
        return None, as_condition(value), "dataset"
    return value, None, None


def time_value(timetable: Any) -> Any:
    """What normalize_schedule understands for a wrapped timetable: the object itself, or
    for Crosswind's own interval timetables their cron expression / interval."""
    from crosswind.dags.schedule import normalize_schedule

    try:
        normalize_schedule(timetable)
        return timetable
    except ValueError:
        pass
    if isinstance(getattr(timetable, "expression", None), str):
        return timetable.expression
    if getattr(timetable, "delta", None) is not None:
        return timetable.delta
    raise ValueError(f"DatasetOrTimeSchedule: unsupported timetable {timetable!r}")


def serialized_fields(dag: Any, summary: str | None, description: str) -> dict[str, Any]:
    """The serialized DAG's dataset keys (none for a DAG without a dataset schedule)."""
    condition: BaseDataset | None = getattr(dag, "dataset_condition", None)
    kind: str | None = getattr(dag, "dataset_schedule", None)
    if condition is None or kind is None:
        return {}
    only_aliases = not list(condition.iter_datasets())
    ds_summary = "Unresolved DatasetAlias" if only_aliases else "Dataset"
    if kind == "dataset_or_time":
        ds_summary = f"Dataset or {summary}"
        text = f"Triggered by datasets or {description}"
    else:
        text = "Triggered by datasets"
    extras = {d.uri: d.extra for d in condition.iter_datasets() if d.extra is not None}
    return {
        "dataset_expression": condition.as_expression(),
        **({"dataset_extras": extras} if extras else {}),
        "dataset_schedule": kind,
        "timetable_summary": ds_summary,
        "timetable_description": text,
    }


def task_fields(task: Any) -> dict[str, Any]:
    """A task's `outlets` / `inlets` in the serialized DAG (only when it has some)."""
    out: dict[str, Any] = {}
    for name in ("outlets", "inlets"):
        refs = [_ref(o) for o in as_list(getattr(task, name, None))]
        refs = [r for r in refs if r is not None]
        if refs:
            out[name] = refs
    return out


def _ref(obj: Any) -> dict[str, Any] | None:
    if isinstance(obj, Dataset):
        return {"uri": obj.uri, "extra": obj.extra}
    if isinstance(obj, DatasetAlias):
        return {"alias": obj.name}
    return None  # lineage objects other than datasets are accepted and ignored


def shown_schedule(data: dict[str, Any]) -> dict[str, Any] | None:
    """The DAG's `schedule_interval` as Airflow shows it for a dataset schedule: its
    summary ("Dataset", "Dataset or 0 1 * * 3"), a cron-like string in the API."""
    if data.get("dataset_schedule") is None:
        return None
    return {"kind": "dataset", "value": data.get("timetable_summary")}
