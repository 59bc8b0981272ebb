"""Turn a DAG's `schedule`/`schedule_interval` into the serialized schedule dict.

{"kind": "cron"|"delta"|"once"|"none", "value": cron or preset as written | seconds | None}
plus Airflow's summary string and a human description.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

CRON_PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def cron_expression(value: str) -> str:
    """The 5-field cron for a preset or cron string."""
    return CRON_PRESETS.get(value, value)


def normalize_schedule(value: Any, timezone: Any = "UTC") -> dict[str, Any]:
    """Validate a schedule and return its serialized form; raises ValueError if invalid."""
    from crosswind.timetables.registry import create_timetable, schedule_document
    from crosswind.timetables.zones import parse_timezone

    return schedule_document(value, create_timetable(value, parse_timezone(timezone)))


def timetable_summary(schedule: dict[str, Any]) -> str | None:
    """Airflow's string form: the cron/preset as written, str(timedelta), '@once' or None."""
    kind, value = schedule["kind"], schedule["value"]
    if kind == "delta":
        return str(timedelta(seconds=value))
    if kind in ("once", "continuous", "cron", "timetable"):
        return value
    return None


def timetable_description(schedule: dict[str, Any]) -> str:
    kind, value = schedule["kind"], schedule["value"]
    if kind == "none":
        return "Never, external triggers only"
    if kind == "once":
        return "Once, as soon as possible"
    if kind == "continuous":
        return "As frequently as possible, but only one run at a time."
    if kind == "timetable":
        return schedule.get("description") or ""
    if kind == "delta":
        return f"Every {_delta_words(timedelta(seconds=value))}"
    return describe_cron(cron_expression(value))


def _delta_words(delta: timedelta) -> str:
    total = int(delta.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if total % size == 0:
            n = total // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return f"{total} seconds"


def describe_cron(expr: str) -> str:
    """Short English for common cron shapes (Airflow uses cron-descriptor; same texts)."""
    fields = expr.split()
    if len(fields) != 5:
        return f"Cron: {expr}"
    minute, hour, dom, month, dow = fields
    if minute.startswith("*/") and hour == dom == month == dow == "*":
        return f"Every {minute[2:]} minutes"
    if minute == "*" and hour == dom == month == dow == "*":
        return "Every minute"
    if not (minute.isdigit() and (hour.isdigit() or hour == "*")):
        return f"Cron: {expr}"
    if hour == "*":
        base = f"At {minute} minutes past the hour"
    else:
        base = f"At {int(hour):02d}:{int(minute):02d}"
    return base + _describe_days(dom, month, dow, expr)


def _is_range(field: str) -> bool:
    parts = field.split("-")
    return len(parts) == 2 and all(p.isdigit() and int(p) <= 7 for p in parts)


def _describe_days(dom: str, month: str, dow: str, expr: str) -> str:
    text = ""
    if dom.isdigit():
        text += f", on day {dom} of the month"
    elif dom != "*":
        return f" (cron: {expr})"
    if dow.isdigit() and int(dow) <= 7:
        text += f", only on {_DAYS[int(dow) % 7]}"
    elif _is_range(dow):
        first, last = (int(x) % 7 for x in dow.split("-"))
        text += f", {_DAYS[first]} through {_DAYS[last]}"
    elif dow != "*":
        return f" (cron: {expr})"
    if month == "1":
        text += ", only in January"
    elif month == "*/3":
        text += ", every 3 months"
    elif month != "*":
        return f" (cron: {expr})"
    return text
