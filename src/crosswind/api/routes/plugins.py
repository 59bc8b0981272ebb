"""/plugins: the AirflowPlugin classes of the plugins folder, as this API process loaded them."""

from __future__ import annotations

from fastapi import APIRouter

from crosswind import plugins
from crosswind.api.deps import Allow, State
from crosswind.api.pagination import PageDep
from crosswind.api.responses import JSON

router = APIRouter(tags=["Plugin"])


@router.get("/plugins")
def list_plugins(state: State, page: PageDep, _: Allow("plugin", "read")) -> JSON:
    plugins.configure(state.settings.plugins_path)
    found = plugins.info()
    return JSON({"plugins": found[page.offset:page.offset + page.limit],
                 "total_entries": len(found)})
