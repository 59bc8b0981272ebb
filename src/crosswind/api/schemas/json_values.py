"""Free-form JSON in request bodies (a run's `conf`, a dataset event's `extra`) must be
something every part of Crosswind can store, render and hand to a task: integers within
64 bits, finite numbers, and text without lone UTF-16 surrogates. Checked at the door, so
a bad value is a 400 naming where it is, and nothing is stored."""

from __future__ import annotations

import math
from typing import Any

INT64 = (-(2**63), 2**63 - 1)
_MAX_DEPTH = 64


def check_json(value: Any, where: str, depth: int = 0) -> Any:
    """`value` unchanged, or ValueError naming the first bad value's path."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"{where}: nested more than {_MAX_DEPTH} levels deep")
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        if not INT64[0] <= value <= INT64[1]:
            raise ValueError(f"{where}: integer {value} does not fit in 64 bits")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{where}: {value} is not a finite number")
    elif isinstance(value, str):
        _check_text(value, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(str(key), f"{where} (a key)")
            check_json(item, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_json(item, f"{where}[{i}]", depth + 1)
    return value


def _check_text(text: str, where: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(f"{where}: text with a lone UTF-16 surrogate") from None
