"""Secrets masking: registered secret strings are replaced by *** in task logs.

Airflow's rule: values shorter than MIN_LENGTH (5) are not masked, because masking
"abc" or "true" would garble ordinary log lines.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

MIN_LENGTH = 5
SENSITIVE_FIELDS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "authorization",
        "passphrase",
        "passwd",
        "password",
        "private_key",
        "secret",
        "token",
        "keyfile_dict",
        "service_account",
    }
)
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


# Memoised (bounded): listing 100 variables asked this 100 times per request, and the
# substring scan over every sensitive word was a third of the render time.
@lru_cache(maxsize=8192)
def is_sensitive_key(key: str) -> bool:
    """True when a variable/field name contains one of Airflow's sensitive words."""
    lowered = key.lower()
    return any(word in lowered for word in SENSITIVE_FIELDS)


def mask_secret(value: Any) -> None:
    """Register a secret (str, or every string inside a dict/list) for redaction."""
    global _pattern
    if isinstance(value, dict):
        for v in value.values():
            mask_secret(v)
        return
    if isinstance(value, list | tuple):
        for v in value:
            mask_secret(v)
        return
    if not isinstance(value, str) or len(value) < MIN_LENGTH or value in _secrets:
        return
    _secrets.add(value)
    # Longest first so a secret containing another is replaced whole.
    ordered = sorted(_secrets, key=len, reverse=True)
    _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """Replace every registered secret in text with ***."""
    if _pattern is None or not text:
        return text
    return _pattern.sub("***", text)


def clear_secrets() -> None:
    """Forget all registered secrets (tests, and a fresh task process)."""
    global _pattern
    _secrets.clear()
    _pattern = None
