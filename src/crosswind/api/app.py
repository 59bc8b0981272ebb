"""Builds the ASGI app: one root app, the API mounted once per dialect.

    /api/v1/...            seed dialect      (/api/v1/docs, /api/v1/openapi.json)
    /airflow/api/v1/...    Airflow's dialect (/airflow/api/v1/docs, /airflow/api/v1/openapi.json)
    /, /login, /dags, ...  the web UI (crosswind.ui)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from crosswind import plugins
from crosswind.api.body_limit import BodyLimit
from crosswind.api.dialects import Dialect
from crosswind.api.event_hub import prune_forever
from crosswind.api.http_methods import HttpMethods
from crosswind.api.openapi import install_openapi
from crosswind.api.problems import install_handlers
from crosswind.api.routes import ROUTERS
from crosswind.api.state import AppState
from crosswind.db.engine import Database
from crosswind.security import CredentialCache, SecretBox, load_fernet_key
from crosswind.settings import Settings
from crosswind.ui import mount_ui
from crosswind.ui.docs import install_docs
from crosswind.version import __version__


def build_state(settings: Settings, db: Database | None = None) -> AppState:
    from crosswind.scheduling.wakeup import notifier

    state = AppState(
        settings=settings,
        db=db or Database(settings.db_url, pool_size=20),
        box=SecretBox(load_fernet_key(settings.fernet_key, settings.home)),
        credentials=CredentialCache(settings.auth_cache_seconds),
    )
    # Wake the scheduler(s) of this database at once after trigger/clear/unpause commits.
    state.wake_scheduler.append(notifier(settings.db_url, state.db.engine))
    return state


def build_api(state: AppState, dialect: Dialect) -> FastAPI:
    title = "Crosswind API" + (" (Airflow dialect)" if dialect is Dialect.AIRFLOW else "")
    # docs_url=None: FastAPI's page loads Swagger UI from a CDN; ours works offline.
    api = FastAPI(title=title, version=__version__, docs_url=None, redoc_url=None)
    install_docs(api)
    api.state.cw = state
    api.state.dialect = dialect
    install_handlers(api)
    for router in ROUTERS:
        api.include_router(router)
    api.add_middleware(HttpMethods, routes=api.router.routes)
    install_openapi(api, dialect)  # our answers, errors and security (crosswind.api.openapi)
    return api


@asynccontextmanager
async def _background(app: FastAPI) -> AsyncIterator[None]:
    """Tasks of the server's life: pruning old state events (crosswind.api.event_hub)."""
    task = asyncio.get_running_loop().create_task(prune_forever(app.state.cw.db))
    try:
        yield
    finally:
        task.cancel()


def create_app(state: AppState) -> FastAPI:
    app = FastAPI(title="Crosswind", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None, lifespan=_background)
    app.state.cw = state
    plugins.configure(state.settings.plugins_path)  # timetables of manual runs
    install_handlers(app)
    app.mount("/api/v1", build_api(state, Dialect.SEED))
    app.mount("/airflow/api/v1", build_api(state, Dialect.AIRFLOW))
    mount_ui(app)  # the web UI at / (crosswind.ui)
    app.add_middleware(BodyLimit, limit=state.settings.max_request_body_bytes)
    return app
