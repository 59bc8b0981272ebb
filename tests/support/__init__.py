"""Test support: real servers, real databases."""

import uuid


def unique(prefix: str = "t") -> str:
    """A name no other test uses (tests share one server per process)."""
    return f"{prefix}_{uuid.uuid4().hex[:10]}"
