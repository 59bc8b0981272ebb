"""Fast JSON responses (orjson) for the hot read paths."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import orjson
from starlette.responses import JSONResponse


def _default(o: Any) -> Any:
    if isinstance(o, datetime):
        return o.isoformat()
    if isinstance(o, set | frozenset):
        return sorted(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def _json_default(o: Any) -> Any:
    try:
        return _default(o)
    except TypeError:
        return str(o)


class JSON(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        # OPT_PASSTHROUGH_DATETIME: datetimes go through _default, so they look like
        # Airflow's ("2024-01-01T00:00:00+00:00"), not orjson's "Z" form.
        try:
            return orjson.dumps(
                content, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME
            )
        except TypeError:
            # orjson refuses integers beyond 64 bits and lone surrogates; a value stored
            # before input was checked must still render (escaped), not become a 500.
            return json.dumps(content, default=_json_default, ensure_ascii=True,
                              separators=(",", ":")).encode()


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat()
