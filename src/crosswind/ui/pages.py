"""The UI's pages. Each is a shell the page's script fills from the JSON API; filters live in
the query string, so every view has its own URL and the back button works."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crosswind.api import sessions
from crosswind.api.sessions import BrowserSession
from crosswind.api.state import AppState
from crosswind.ui.templating import render

router = APIRouter(include_in_schema=False)
STATUSES = ("all", "active", "paused")
RUN_STATES = ("queued", "running", "success", "failed")
# The views of one DAG, in the order of its tabs: (path segment, label).
DAG_VIEWS = [("grid", "Grid"), ("graph", "Graph"), ("runs", "Runs"), ("code", "Code"),
             ("details", "Details")]


def signed_in(request: Request) -> BrowserSession | None:
    state: AppState = request.app.state.cw
    secret = request.cookies.get(sessions.COOKIE)
    return sessions.lookup(state, secret) if secret else None


def to_login(request: Request) -> Response:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(here, safe='')}", status_code=303)


@router.get("/")
def home() -> Response:
    return RedirectResponse("/dags", status_code=307)


@router.get("/dags")
def dags_page(request: Request, search: str = "", tag: str = "", status: str = "all",
              page: int = 1) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login(request)
    status = status if status in STATUSES else "all"
    return render(request, "dags.html", who, search=search, tag=tag, status=status,
                  statuses=STATUSES, page=max(page, 1))


@router.get("/dags/{dag_id}/grid")
def grid_page(request: Request, dag_id: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login(request)
    return render(request, "grid.html", who, dag_id=dag_id, view="grid", dag_views=DAG_VIEWS)


@router.get("/dags/{dag_id}/runs/{run_id}/tasks/{task_id}")
def task_instance_page(request: Request, dag_id: str, run_id: str, task_id: str,
                       map_index: int = -1) -> Response:
    """One task instance; `tab` (details, log, xcom, rendered, dependencies) and `try` live
    in the query string too, read by the page's script."""
    who = signed_in(request)
    if who is None:
        return to_login(request)
    return render(request, "task_instance.html", who, dag_id=dag_id, run_id=run_id,
                  task_id=task_id, map_index=max(map_index, -1))


@router.get("/dags/{dag_id}/runs")
def runs_page(request: Request, dag_id: str, state: str = "", page: int = 1) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login(request)
    return render(request, "runs.html", who, dag_id=dag_id, view="runs", dag_views=DAG_VIEWS,
                  run_state=state if state in RUN_STATES else "", page=max(page, 1))


def _dag_view(view: str) -> Callable[[Request, str], Response]:
    def page(request: Request, dag_id: str) -> Response:
        who = signed_in(request)
        if who is None:
            return to_login(request)
        return render(request, f"dag_{view}.html", who, dag_id=dag_id, view=view,
                      dag_views=DAG_VIEWS)

    return page


# graph, code, details: shells their scripts fill (the graph's run is ?run_id=). One route
# each, not /dags/{dag_id}/{view}, which would shadow any later page of a DAG.
for _view in ("graph", "code", "details"):
    router.add_api_route(f"/dags/{{dag_id}}/{_view}", _dag_view(_view), methods=["GET"])
