"""/importErrors: files of the DAGs folder that failed to parse, with their traceback."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import select

from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep, paginate
from crosswind.api.responses import JSON
from crosswind.models import ImportError_
from crosswind.store import dags as store

router = APIRouter(tags=["ImportError"])
ORDER = {
    "import_error_id": ImportError_.id,
    "id": ImportError_.id,
    "timestamp": ImportError_.timestamp,
    "filename": ImportError_.filename,
}


def render(err: ImportError_) -> dict[str, Any]:
    return {
        "import_error_id": err.id,
        "timestamp": err.timestamp,
        "filename": err.filename,
        "stack_trace": err.stacktrace,
    }


@router.get("/importErrors")
def list_import_errors(state: State, page: PageDep, _: Allow("import_error", "read")) -> JSON:
    with state.db.read() as s:
        rows, total = paginate(s, select(ImportError_), page, ORDER, ImportError_.id,
                               default="import_error_id")
        items = [render(e) for e in rows]
    return JSON({"import_errors": items, "total_entries": total})


@router.get("/importErrors/{import_error_id}")
def get_import_error(import_error_id: int, state: State,
                     _: Allow("import_error", "read")) -> JSON:
    with state.db.read() as s:
        return JSON(render(store.import_error(s, import_error_id)))
