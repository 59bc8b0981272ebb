"""Log continuation tokens: opaque, URL-safe, encoding the byte offset already returned.

A token is base64url("cw1:<offset>") without padding; anything else is a 400, so a client
cannot confuse a token of another server version with an offset.
"""

from __future__ import annotations

import base64
import binascii

from crosswind.errors import InvalidInput

_PREFIX = "cw1:"


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{offset}".encode()).decode().rstrip("=")


def decode_token(token: str | None) -> int:
    """The byte offset a token stands for; 0 for no token."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvalidInput("invalid continuation token") from None
    if not raw.startswith(_PREFIX) or not raw[len(_PREFIX) :].isdigit():
        raise InvalidInput("invalid continuation token")
    return int(raw[len(_PREFIX) :])
