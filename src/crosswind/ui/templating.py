"""Jinja2 environment of the UI pages and what every page is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import Response

from crosswind.api.sessions import BrowserSession
from crosswind.version import __version__

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def render(request: Request, name: str, who: BrowserSession | None, status_code: int = 200,
           **context: Any) -> Response:
    """A page; `who` (None on the login page) gives the header and the rights that decide
    which actions are shown (the API refuses the others anyway)."""
    rights = {}
    if who is not None:
        rights = {
            "can_edit_dags": who.can("dag", "write", "PATCH"),
            "can_trigger": who.can("dag_run", "write", "POST"),
            "can_edit_runs": who.can("dag_run", "write", "PATCH"),
            "can_delete_runs": who.can("dag_run", "write", "DELETE"),
            "can_edit_tis": who.can("task_instance", "write", "PATCH"),
        }
    response = templates.TemplateResponse(
        request, name, {"who": who, "version": __version__, **rights, **context},
        status_code=status_code)
    # Pages carry the CSRF token and the user's data: never cache them, never frame them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    return response
