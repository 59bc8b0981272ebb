"""Password hashing (argon2), encryption at rest (Fernet) and token secrets.

Basic auth is fast without weakening it: a credential that passed a full argon2 check is
remembered under an HMAC of (username, password) keyed by a per-process secret, together
with the password hash it matched. A request is accepted from memory only while the user's
stored hash is still that same hash, so a password change (new salt, new hash),
deactivation or deletion is effective on the very next request, in every process.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from crosswind.errors import SettingsError

TOKEN_PREFIX = "cw_"


@functools.cache
def _hasher() -> Any:
    # Imported on first use: the fork server and the task processes never hash passwords,
    # and argon2's bindings would add ~3 MiB to every one of them.
    from argon2 import PasswordHasher

    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash no password matches, verified for unknown or inactive users so that a wrong
    username takes as long as a wrong password (no probing for which usernames exist)."""
    return hash_password(secrets.token_urlsafe(32))


def new_token_secret() -> str:
    """A personal access token: 256 bits of randomness behind a recognisable prefix."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(secret: str) -> str:
    """SHA-256 suffices for lookups: the secret is random, so there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


class CredentialCache:
    """Remembers verified Basic credentials for `ttl` seconds (see module docstring)."""

    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self._key = secrets.token_bytes(32)
        self._ttl = ttl
        self._max = max_entries
        self._entries: dict[bytes, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _digest(self, username: str, password: str) -> bytes:
        msg = username.encode() + b"\x00" + password.encode()
        return hmac.digest(self._key, msg, "sha256")

    def matches(self, username: str, password: str, current_hash: str) -> bool:
        if self._ttl <= 0:
            return False
        entry = self._entries.get(self._digest(username, password))
        return (
            entry is not None
            and entry[1] > time.monotonic()
            and hmac.compare_digest(entry[0], current_hash)
        )

    def remember(self, username: str, password: str, current_hash: str) -> None:
        if self._ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= self._max:
                self._entries.clear()
            self._entries[self._digest(username, password)] = (
                current_hash,
                time.monotonic() + self._ttl,
            )


class SecretBox:
    """Fernet encryption of values at rest.

    Decryption is memoised by ciphertext (bounded; cleared when full): a Fernet decrypt costs
    ~50 us, so listing 100 variables spent most of its time there. A ciphertext is unique per
    encryption (random IV), so an entry can never go stale; the plaintext is kept only in
    this process's memory, where it is anyway each time it is served.
    """

    def __init__(self, key: str | bytes, max_cached: int = 20_000) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise SettingsError(f"invalid setting CROSSWIND_FERNET_KEY: {exc}") from None
        self._plain: dict[str, str] = {}
        self._max_cached = max_cached

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        plain = self._plain.get(token)
        if plain is not None:
            return plain
        try:
            plain = self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("value cannot be decrypted with the current Fernet key") from None
        if len(self._plain) >= self._max_cached:
            self._plain.clear()
        self._plain[token] = plain
        return plain


def load_fernet_key(configured: str | None, home: Path) -> str:
    """The configured key, or one generated once into `$CROSSWIND_HOME/fernet.key` (mode 600)."""
    if configured:
        return configured
    path = home / "fernet.key"
    if path.exists():
        return path.read_text().strip()
    home.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key
