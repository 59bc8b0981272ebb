"""Direct access to a test server's database, for facts the API must not be able to show
(ciphertext at rest) or states the API cannot create (expired tokens, running tasks)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine


@contextmanager
def engine_for(url: str) -> Iterator[Engine]:
    engine = create_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
