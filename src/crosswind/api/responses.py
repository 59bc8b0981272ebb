"""Fast JSON responses (orjson) for the hot read paths."""

from __future__ import annotations

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


class JSON(JSONResponse):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        # OPT_PASSTHROUGH_DATETIME: datetimes go through _default, so they look like
        # Airflow's ("2024-01-01T00:00:00+00:00"), not orjson's "Z" form.
        return orjson.dumps(
            content, default=_default, option=orjson.OPT_PASSTHROUGH_DATETIME
        )


def iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.isoformat()
