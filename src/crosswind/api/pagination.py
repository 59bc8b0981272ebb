"""Bounded, ordered list queries: every list endpoint goes through `paginate()`.

`order_by` is a column name from the route's allow-list, `-name` for descending; the primary
key breaks ties so pages are stable. `limit` is capped by CROSSWIND_MAXIMUM_PAGE_LIMIT.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from crosswind.api.schemas.json_values import INT64
from crosswind.errors import InvalidInput


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int
    order_by: str | None


async def page_params(  # async: pure, so no thread-pool hop per request
    request: Request,
    limit: Annotated[int, Query(ge=0)] = 100,
    offset: Annotated[int, Query(ge=0, le=INT64[1])] = 0,
    order_by: str | None = None,
) -> Page:
    cap = request.app.state.cw.settings.maximum_page_limit
    return Page(min(limit, cap), offset, order_by or None)


PageDep = Annotated[Page, Depends(page_params)]


def ordering(
    order_by: str | None,
    allowed: Mapping[str, ColumnElement[Any]],
    tiebreak: ColumnElement[Any],
    default: str | None = None,
) -> list[Any]:
    key = order_by or default
    if not key:
        return [tiebreak]
    desc = key.startswith("-")
    name = key[1:] if desc else key
    col = allowed.get(name)
    if col is None:
        raise InvalidInput(
            f"Ordering with '{name}' is disallowed or the attribute does not exist on the model; "
            f"allowed: {', '.join(sorted(allowed))}"
        )
    if desc:
        return [col.desc(), tiebreak.desc()]
    return [col.asc(), tiebreak.asc()]


def paginate(
    session: Session | Connection,
    stmt: Select[Any],
    page: Page,
    allowed: Mapping[str, ColumnElement[Any]],
    tiebreak: ColumnElement[Any],
    default: str | None = None,
    *,
    columns: bool = False,
) -> tuple[Sequence[Any], int]:
    """Run `stmt` for one page; returns (rows, total_entries of the filtered set).

    With `columns=True` the rows are plain result rows of a column select (several times
    cheaper than ORM entities on hot list endpoints); otherwise the first entity of each row
    (ORM entities need a Session; a Core Connection is enough for `columns=True`).
    """
    order = ordering(page.order_by, allowed, tiebreak, default)
    # One row more than the page: when it does not come back, the page reaches the end of
    # the set, so a full last page (a 100-row set at limit=100) needs no COUNT either.
    paged = stmt.order_by(*order).limit(page.limit + 1).offset(page.offset)
    rows = session.execute(paged).all() if columns else session.scalars(paged).all()
    if len(rows) <= page.limit and (rows or page.offset == 0):
        # A non-empty page (or a first page) that ends the set: the total is known without a
        # COUNT query (saves a round trip on most small lists).
        return rows, page.offset + len(rows)
    rows = rows[: page.limit]
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return rows, total
