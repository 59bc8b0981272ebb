"""A local API reference page for /api/v1/docs and /airflow/api/v1/docs.

FastAPI's default page loads Swagger UI from a CDN, so it is blank without internet. This one
is ours: a short page whose script (static/docs.js) lists every operation of the mount's own
openapi.json with its parameters, request body and responses. Public, like openapi.json.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from crosswind.ui.templating import render


def install_docs(api: FastAPI) -> None:
    """Serve the page at `<mount>/docs` (a plain route, outside the API's own schema)."""

    async def docs(request: Request) -> Response:
        return render(request, "docs.html", None, title=api.title, version_api=api.version,
                      openapi_url=request.scope.get("root_path", "") + "/openapi.json")

    api.router.add_route("/docs", docs, methods=["GET"], include_in_schema=False)
