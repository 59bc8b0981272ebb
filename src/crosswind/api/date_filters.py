"""The `*_gte`/`*_lte` date filters shared by the DAG run and task instance lists.

One dependency declares the eight query parameters (so both routes document the same ones)
and parses them; a malformed value is a 400 naming the parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query

from crosswind.api.schemas.dag_runs import parse_dt

Dates = Annotated[str | None, Query()]
Range = tuple[datetime | None, datetime | None]


@dataclass(frozen=True)
class DateFilters:
    execution_date: Range
    start_date: Range
    end_date: Range
    updated_at: Range

    def ranges(self) -> dict[str, Range]:
        """Filter name (an ORDER key of the list routes) -> (gte, lte)."""
        return {
            "execution_date": self.execution_date,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "updated_at": self.updated_at,
        }


def _range(name: str, gte: str | None, lte: str | None) -> Range:
    return parse_dt(f"{name}_gte", gte), parse_dt(f"{name}_lte", lte)


async def date_filters(  # async: pure parsing, so no thread-pool hop
    execution_date_gte: Dates = None,
    execution_date_lte: Dates = None,
    start_date_gte: Dates = None,
    start_date_lte: Dates = None,
    end_date_gte: Dates = None,
    end_date_lte: Dates = None,
    updated_at_gte: Dates = None,
    updated_at_lte: Dates = None,
) -> DateFilters:
    return DateFilters(
        _range("execution_date", execution_date_gte, execution_date_lte),
        _range("start_date", start_date_gte, start_date_lte),
        _range("end_date", end_date_gte, end_date_lte),
        _range("updated_at", updated_at_gte, updated_at_lte),
    )


DateFiltersDep = Annotated[DateFilters, Depends(date_filters)]
