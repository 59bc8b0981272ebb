"""Process-wide state of the API server, built once from the settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crosswind.api.login_throttle import LoginThrottle
from crosswind.api.role_cache import RoleCache
from crosswind.db.engine import Database
from crosswind.security import CredentialCache, SecretBox
from crosswind.settings import Settings


@dataclass
class AppState:
    settings: Settings
    db: Database
    box: SecretBox
    credentials: CredentialCache
    # Called after a commit that should wake the scheduler (trigger, clear, unpause).
    wake_scheduler: list = field(default_factory=list)
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    roles: RoleCache = field(default_factory=RoleCache)
    # The poller behind GET /events (crosswind.api.event_hub), made on the first stream.
    event_hub: Any = None

    def notify_scheduler(self) -> None:
        for fn in self.wake_scheduler:
            fn()
