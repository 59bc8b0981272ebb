"""send_email (airflow.utils.email) against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from crosswind.dags import airflow_shim
from crosswind.dags.runtime import MemoryBackend, set_backend
from support.servers import free_port
from support.smtp_inbox import Inbox, authenticate

airflow_shim.install()

from airflow.utils.email import send_email  # noqa: E402


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticate,
                            auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


def _use(port: int, **conn: object) -> None:
    set_backend(MemoryBackend(connections={"smtp_default": {
        "conn_type": "smtp", "host": "127.0.0.1", "port": port, **conn}}))


def test_send_email_with_login_cc_bcc_and_attachment(smtp: tuple[Inbox, int],
                                                      tmp_path: Path) -> None:
    inbox, port = smtp
    _use(port, login="mailer", password="s3cret")
    report = tmp_path / "report.csv"
    report.write_text("a,b\n")
    try:
        send_email("a@example.com; b@example.com", "Subject", "<p>x</p>", files=[str(report)],
                   cc=["c@example.com"], bcc="hidden@example.com",
                   custom_headers={"X-Run": "r1"})
    finally:
        set_backend(None)
    [(sender, rcpts, msg)] = inbox.wait(1)
    assert sender == "airflow@example.com"
    assert rcpts == ["a@example.com", "b@example.com", "c@example.com", "hidden@example.com"]
    assert "hidden" not in msg.as_string().split("\n\n", 1)[0]
    assert msg["X-Run"] == "r1"
    [attachment] = [p for p in msg.walk() if p.get_filename()]
    assert attachment.get_filename() == "report.csv"
    assert attachment.get_payload(decode=True) == b"a,b\n"


def test_dryrun_sends_nothing_and_from_email_comes_from_extra(smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    _use(port, extra=json.dumps({"from_email": "x@example.com"}))
    try:
        send_email("a@example.com", "s", "b", dryrun=True)
        assert inbox.messages == []
        send_email("a@example.com", "s", "b")
    finally:
        set_backend(None)
    [(sender, _, _)] = inbox.wait(1)
    assert sender == "x@example.com"
