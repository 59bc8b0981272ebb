"""ASGI factory for uvicorn (`--workers N` needs an import string)."""

from __future__ import annotations

from fastapi import FastAPI

from crosswind.api.app import build_state, create_app
from crosswind.settings import load_settings


def create_from_env() -> FastAPI:
    return create_app(build_state(load_settings()))
