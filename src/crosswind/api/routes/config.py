"""/config and /config/section/{section}/option/{option}: the settings in force, as Airflow's
configuration sections (`crosswind.config_sections`), secrets always hidden.

As Airflow's `[webserver] expose_config`, nothing is shown (403) unless
`CROSSWIND_EXPOSE_CONFIG` is true; then Op and Admin may read it. JSON by default,
Airflow's ini-like text for `Accept: text/plain`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from crosswind.api.deps import Allow, State
from crosswind.api.responses import JSON
from crosswind.config_sections import sections
from crosswind.errors import CrosswindError, Forbidden, NotFound

router = APIRouter(tags=["Config"])


class NotAcceptable(CrosswindError):
    status = 406
    title = "Not Acceptable"


def _wants_text(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    if not accept or "application/json" in accept or "*/*" in accept:
        return False
    if "text/plain" in accept:
        return True
    raise NotAcceptable("the configuration is served as application/json or text/plain")


def _render(request: Request, found: dict[str, dict[str, str]]) -> Response:
    if _wants_text(request):
        text = "\n".join(f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in options.items())
                         for name, options in found.items())
        return Response(text, media_type="text/plain")
    return JSON({"sections": [
        {"name": name, "options": [{"key": k, "value": v} for k, v in options.items()]}
        for name, options in found.items()]})


def _exposed(state: State) -> dict[str, dict[str, str]]:
    if not state.settings.expose_config:
        raise Forbidden("Your Crosswind administrator chose not to expose the configuration "
                        "(CROSSWIND_EXPOSE_CONFIG), most likely for security reasons.")
    return sections(state.settings)


@router.get("/config")
def get_config(request: Request, state: State, _: Allow("config", "read"),
               section: str | None = None) -> Response:
    found = _exposed(state)
    if section is not None:
        if section not in found:
            raise NotFound(f"section={section} not found.")
        found = {section: found[section]}
    return _render(request, found)


@router.get("/config/section/{section}/option/{option}")
def get_value(section: str, option: str, request: Request, state: State,
              _: Allow("config", "read")) -> Response:
    found = _exposed(state)
    if option not in found.get(section, {}):
        raise NotFound(f"The option [{section}/{option}] is not found in config.")
    return _render(request, {section: {option: found[section][option]}})
