"""Back-off for repeated wrong passwords, per username and per client address.

A password guess costs the server an argon2 verification (~0.1-0.3 s of one core), so a
flood of guesses is also a flood of CPU that slows every other request. After
`FREE_FAILURES` failures in a row (more for an address, which many honest users may share
behind one NAT) a key must wait before its next attempt is even checked: 1 s, then
doubling up to `MAX_WAIT_SEC`. A successful sign-in clears its keys. An attempt while a key
waits is refused at once (429 with Retry-After) without running argon2.

Why this cannot lock a real user out for long: the wait is capped at a minute and forgotten
`FORGET_SEC` after the last failure; a credential that already passed argon2 in this
process is served from the credential cache and never consults the throttle; and a user's
key throttles guesses at that user from everywhere, while an address's key throttles
one address guessing many users, so a real user on another address is held up only by the
per-user wait.

The state is per API process (memory, not the database): a write per failed guess would
turn a guessing flood into a write flood.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

FREE_FAILURES = {"user": 5, "addr": 20}
FIRST_WAIT_SEC = 1.0
MAX_WAIT_SEC = 60.0
FORGET_SEC = 15 * 60.0
MAX_KEYS = 50_000


@dataclass
class _Record:
    failures: int = 0
    blocked_until: float = 0.0
    last_failure: float = 0.0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._records: dict[str, _Record] = {}
        self._lock = threading.Lock()

    def wait_for(self, *keys: str) -> float:
        """Seconds until an attempt for these keys may be checked (0: now)."""
        now = self._clock()
        with self._lock:
            waits = [r.blocked_until - now for k in keys if (r := self._records.get(k))]
        return max([0.0, *waits])

    def failed(self, *keys: str) -> bool:
        """Count a failure for each key; True when a key has just started to wait (worth a
        line in the event log, once per back-off step rather than once per guess)."""
        now = self._clock()
        started = False
        with self._lock:
            if len(self._records) >= MAX_KEYS:
                self._forget_old(now)
            for key in keys:
                r = self._records.get(key)
                if r is None or now - r.last_failure > FORGET_SEC:
                    r = self._records[key] = _Record()
                r.failures += 1
                r.last_failure = now
                over = r.failures - FREE_FAILURES[key.partition(":")[0]] + 1
                if over > 0:
                    wait = min(MAX_WAIT_SEC, FIRST_WAIT_SEC * 2 ** (over - 1))
                    r.blocked_until = now + wait
                    started = True
        return started

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._records.pop(key, None)

    def _forget_old(self, now: float) -> None:
        stale = [k for k, r in self._records.items() if now - r.last_failure > FORGET_SEC]
        for k in stale:
            del self._records[k]
        if len(self._records) >= MAX_KEYS:  # a spray of addresses: start afresh
            self._records.clear()


def keys(username: str, client: str | None) -> tuple[str, ...]:
    return (f"user:{username}",) + ((f"addr:{client}",) if client else ())
