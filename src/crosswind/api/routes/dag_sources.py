"""/dagSources/{file_token}: a DAG file's source as text/plain, or JSON {"content": ...};
PUT /parseDagFile/{file_token}: parse that file again now."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.errors import CrosswindError
from crosswind.scheduling import wakeup
from crosswind.store import dags as store
from crosswind.store import event_log

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


@router.put("/parseDagFile/{file_token}", status_code=201)
def reparse_dag_file(file_token: str, state: State, who: Allow("dag", "write")) -> Response:
    """As Airflow: 201 with no body. The processor re-parses at once when it runs on this
    host (a datagram wakes it), else at its next scan (CROSSWIND_DAG_PROCESSOR_RESCAN_INTERVAL)."""
    with state.db.write() as s:
        fileloc = store.request_reparse(s, file_token, dag_ids=who.dag_ids)
        event_log.record(s, "dag_file.reparse", who.username, extra={"fileloc": fileloc})
    wakeup.send(wakeup.address_for(state.settings.db_url, "dag-processor"))
    return Response(status_code=201)


@router.get("/dagSources/{file_token}")
def get_dag_source(file_token: str, request: Request, state: State,
                   who: Allow("dag_source", "read")) -> Response:
    with state.db.read() as s:
        content = store.source(s, file_token, dag_ids=who.dag_ids)
    media = _wants(request.headers.get("accept", ""))
    if media == "application/json":
        return JSON({"content": content})
    return Response(content, media_type="text/plain")
