"""The web UI, served by the API server at `/`.

Server-rendered Jinja2 page shells plus small hand-written JS/CSS from `static/` (no CDN, no
front-end build). Pages read and change data through the public JSON API (`/api/v1`), signed
in by the session cookie of `crosswind.api.sessions`, so the UI cannot drift from the API and
the API's role checks are the UI's. What the public API cannot give cheaply (the last runs of
a page of DAGs, a DAG's grid) comes from the compact endpoints of `crosswind.ui.data`.

    /login, /logout          crosswind.ui.login
    /, /dags, /dags/{id}/... crosswind.ui.pages
    /admin/..., /health      crosswind.ui.admin_pages
    /ui/data/...             crosswind.ui.data, crosswind.ui.grid,
                             crosswind.ui.graph, crosswind.ui.logs
    /static/...              crosswind/ui/static
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def mount_ui(app: FastAPI) -> None:
    """Add the UI's routes and static files to the root app."""
    from crosswind.ui import admin_pages, data, graph, grid, login, logs, pages

    app.include_router(login.router)
    app.include_router(pages.router)
    app.include_router(admin_pages.router)
    app.include_router(data.router)
    app.include_router(grid.router)
    app.include_router(logs.router)
    app.include_router(graph.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
