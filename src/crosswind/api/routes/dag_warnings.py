"""/dagWarnings: what is wrong with a DAG that parsed, as Airflow reports it.

One kind today, as Airflow 2: "non-existent pool", a DAG whose tasks name a pool that does
not exist (they would never be scheduled). Computed when asked, from the pools each DAG's
tasks name (stored by the DAG processor) and the pools that exist now, so creating the
missing pool clears the warning at once instead of at the file's next parse.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep
from crosswind.api.responses import JSON, iso
from crosswind.errors import InvalidInput
from crosswind.models import DagModel, Pool

router = APIRouter(tags=["DagWarning"])
NONEXISTENT_POOL = "non-existent pool"
ORDER = ("dag_id", "warning_type", "message", "timestamp")


def warnings(rows: list[Any], pools: set[str]) -> list[dict[str, Any]]:
    out = []
    for dag_id, dag_pools, parsed in rows:
        missing = sorted(set(dag_pools or ()) - pools)
        if missing:
            out.append({"dag_id": dag_id, "warning_type": NONEXISTENT_POOL,
                        "message": f"Dag '{dag_id}' references non-existent pools: {missing!r}",
                        "timestamp": iso(parsed)})
    return out


@router.get("/dagWarnings")
def list_dag_warnings(state: State, page: PageDep, who: Allow("dag_warning", "read"),
                      dag_id: str | None = None, warning_type: str | None = None) -> JSON:
    order = page.order_by or "timestamp"
    if order.lstrip("-") not in ORDER:
        raise InvalidInput(f"Ordering with '{order.lstrip('-')}' is disallowed or the "
                           f"attribute does not exist on the model; use one of {list(ORDER)}")
    stmt = select(DagModel.dag_id, DagModel.pools, DagModel.last_parsed_time).where(
        DagModel.is_active.is_(True))
    if dag_id:
        stmt = stmt.where(DagModel.dag_id == dag_id)
    with state.db.read() as s:
        rows = [r for r in s.execute(stmt).all() if who.can_dag(r.dag_id)]
        pools = set(s.scalars(select(Pool.pool)))
    found = [w for w in warnings(rows, pools)
             if warning_type is None or w["warning_type"] == warning_type]
    key = order.lstrip("-")
    found.sort(key=lambda w: (w[key] or "", w["dag_id"]), reverse=order.startswith("-"))
    return JSON({"dag_warnings": found[page.offset:page.offset + page.limit],
                 "total_entries": len(found)})
