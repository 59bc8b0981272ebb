"""A real local SMTP server's handler for e-mail tests (aiosmtpd): keeps each message."""

from __future__ import annotations

import email
import time
from email.message import Message
from typing import Any

from aiosmtpd.smtp import AuthResult, LoginPassword

LOGIN, PASSWORD = "mailer", "s3cret"


class Inbox:
    """aiosmtpd handler: keeps every message with its envelope."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content)))
        return "250 OK"

    def wait(self, count: int, timeout: float = 30) -> list[tuple[str, list[str], Message]]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.messages)


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                  auth_data: Any) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (
        auth_data.login, auth_data.password) == (LOGIN.encode(), PASSWORD.encode())
    return AuthResult(success=ok)
