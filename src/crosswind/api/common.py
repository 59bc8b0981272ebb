"""Small helpers shared by routes: update masks and body/path agreement."""

from __future__ import annotations

from collections.abc import Iterable

from crosswind.errors import InvalidInput


def parse_update_mask(mask: list[str] | None, allowed: Iterable[str]) -> set[str] | None:
    """Airflow's `update_mask`: comma-separated or repeated field names; None = all fields."""
    if not mask:
        return None
    fields = {f.strip() for item in mask for f in item.split(",") if f.strip()}
    unknown = fields - set(allowed)
    if unknown:
        raise InvalidInput(f"unknown field(s) in update_mask: {', '.join(sorted(unknown))}")
    return fields


def check_path_match(name: str, body_value: str | None, path_value: str) -> None:
    if body_value is not None and body_value != path_value:
        raise InvalidInput(
            f"{name} in the body ({body_value!r}) differs from the URL ({path_value!r})"
        )
