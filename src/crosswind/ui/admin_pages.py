"""The admin pages: variables, connections, pools, users, roles, my tokens, the event log,
datasets and health. Each is one shell (admin.html or health.html) that static/admin.js
fills from the public API; what a user may change decides which buttons are drawn (the API
refuses the rest anyway)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from crosswind.api.sessions import BrowserSession
from crosswind.ui.pages import signed_in, to_login
from crosswind.ui.templating import render

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class View:
    label: str
    resource: str | None     # the rights key read (and written); None: every user
    new_label: str = ""      # the create button; "" when the page creates nothing


VIEWS = {
    "variables": View("Variables", "variable", "New variable"),
    "connections": View("Connections", "connection", "New connection"),
    "pools": View("Pools", "pool", "New pool"),
    "users": View("Users", "user", "New user"),
    "roles": View("Roles", "role"),
    "tokens": View("My tokens", None, "New token"),
    "events": View("Event log", "event_log"),
    "datasets": View("Datasets", "dataset"),
    "health": View("Health", None),
}
READ_ONLY = frozenset({"roles", "events", "datasets"})  # the UI lists these, changes none


def readable(who: BrowserSession) -> list[tuple[str, str]]:
    """The admin views this user may read, for the tabs and the header's Admin link."""
    return [(k, v.label) for k, v in VIEWS.items()
            if v.resource is None or who.can(v.resource, "read", "GET")]


@router.get("/admin")
def admin_home(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login(request)
    first = readable(who)[0][0]
    return RedirectResponse("/health" if first == "health" else f"/admin/{first}",
                            status_code=303)


@router.get("/health")
def health_page(request: Request) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login(request)
    return render(request, "health.html", who, resource="health", admin_views=readable(who))


@router.get("/admin/{resource}")
def admin_page(request: Request, resource: str) -> Response:
    who = signed_in(request)
    if who is None:
        return to_login(request)
    view = VIEWS.get(resource)
    if view is None or resource == "health":
        return Response("no such page", status_code=404, media_type="text/plain")
    can_write = resource not in READ_ONLY and (
        view.resource is None or who.can(view.resource, "write", "POST"))
    return render(request, "admin.html", who, resource=resource, title=view.label,
                  admin_views=readable(who), can_write=can_write,
                  creatable=bool(view.new_label), new_label=view.new_label)
