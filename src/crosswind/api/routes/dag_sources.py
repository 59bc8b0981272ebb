"""/dagSources/{file_token}: a DAG file's source as text/plain, or JSON {"content": ...}."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.errors import CrosswindError
from crosswind.store import dags as store

router = APIRouter(tags=["DAG"])


class NotAcceptable(CrosswindError):
    status = 406
    title = "Not Acceptable"


def _wants(accept: str) -> str:
    """The media type to answer with, from the Accept header (text/plain when absent)."""
    types = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    for media in types or ["*/*"]:
        if media in ("text/plain", "text/*", "*/*"):
            return "text/plain"
        if media == "application/json":
            return "application/json"
    raise NotAcceptable(f"cannot answer with {accept!r}; use text/plain or application/json")


@router.get("/dagSources/{file_token}")
def get_dag_source(file_token: str, request: Request, state: State,
                   who: Allow("dag_source", "read")) -> Response:
    with state.db.read() as s:
        content = store.source(s, file_token, dag_ids=who.dag_ids)
    media = _wants(request.headers.get("accept", ""))
    if media == "application/json":
        return JSON({"content": content})
    return Response(content, media_type="text/plain")
