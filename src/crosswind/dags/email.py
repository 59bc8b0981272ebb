"""E-mail over SMTP (airflow.utils.email): send_email, used by EmailOperator and by
`email_on_failure` / `email_on_retry`.

The server is the `smtp_default` connection (or `conn_id`): host, port (default 25),
login and password (AUTH only when both are set). Its extra may set `from_email`
(default "airflow@example.com", Airflow's default `smtp_mail_from`), `ssl` (SMTP over
TLS, default false), `starttls` (default false) and `timeout` in seconds (default 30).
Airflow 2 takes host and port from its [smtp] config section instead; Crosswind has no
such section, so the connection carries everything.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Iterable
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate
from typing import Any

log = logging.getLogger("crosswind.task")
DEFAULT_FROM = "airflow@example.com"


def get_email_address_list(addresses: str | Iterable[str]) -> list[str]:
    """"a@x, b@y; c@z" or a list -> ["a@x", "b@y", "c@z"]."""
    if isinstance(addresses, str):
        addresses = addresses.replace(";", ",").split(",")
    return [a.strip() for a in addresses if a and a.strip()]


def build_mime_message(
    mail_from: str | None, to: str | Iterable[str], subject: str, html_content: str,
    files: list[str] | None = None, cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None, mime_subtype: str = "mixed",
    mime_charset: str = "utf-8", custom_headers: dict[str, Any] | None = None,
) -> tuple[MIMEMultipart, list[str]]:
    """The message (HTML body, attachments) and every recipient (bcc not in headers)."""
    recipients = get_email_address_list(to)
    msg = MIMEMultipart(mime_subtype)
    msg["Subject"] = subject
    if mail_from:
        msg["From"] = mail_from
    msg["To"] = ", ".join(recipients)
    if cc:
        msg["CC"] = ", ".join(get_email_address_list(cc))
        recipients += get_email_address_list(cc)
    if bcc:
        recipients += get_email_address_list(bcc)
    msg["Date"] = formatdate(localtime=True)
    msg.attach(MIMEText(html_content, "html", mime_charset))
    for path in files or []:
        name = os.path.basename(path)
        with open(path, "rb") as f:
            part = MIMEApplication(f.read(), Name=name)
        part["Content-Disposition"] = f'attachment; filename="{name}"'
        msg.attach(part)
    for key, value in (custom_headers or {}).items():
        msg[key] = value
    return msg, recipients


def send_email(
    to: str | Iterable[str], subject: str, html_content: str, files: list[str] | None = None,
    dryrun: bool = False, cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None, mime_subtype: str = "mixed",
    mime_charset: str = "utf-8", conn_id: str | None = None, from_email: str | None = None,
    custom_headers: dict[str, Any] | None = None, **_: Any,
) -> None:
    """Send an HTML e-mail through the SMTP connection `conn_id` (default smtp_default)."""
    from crosswind.dags.hooks import BaseHook

    conn = BaseHook.get_connection(conn_id or "smtp_default")
    extra = conn.extra_dejson
    mail_from = from_email or extra.get("from_email") or DEFAULT_FROM
    msg, recipients = build_mime_message(
        mail_from, to, subject, html_content, files, cc, bcc, mime_subtype, mime_charset,
        custom_headers)
    if dryrun:
        return
    if not conn.host:
        raise ValueError(f"SMTP connection {conn.conn_id!r} has no host")
    send_mime_email(conn, mail_from, recipients, msg, extra)


send_email_smtp = send_email


def send_mime_email(conn: Any, mail_from: str, recipients: list[str], msg: MIMEMultipart,
                    extra: dict[str, Any]) -> None:
    port = int(conn.port or 25)
    timeout = float(extra.get("timeout", 30))
    smtp_class = smtplib.SMTP_SSL if _flag(extra.get("ssl")) else smtplib.SMTP
    with smtp_class(conn.host, port, timeout=timeout) as smtp:
        if _flag(extra.get("starttls")):
            smtp.starttls()
        if conn.login and conn.password:
            smtp.login(conn.login, conn.password)
        smtp.sendmail(mail_from, recipients, msg.as_string())
    log.info("Sent an e-mail to %s", recipients)


def _flag(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "yes", "on") if value is not None else False


def alert_message(context: dict[str, Any], exc: BaseException, *,
                  retrying: bool) -> tuple[str, str]:
    """(subject, html) of the e-mail sent when a try fails."""
    from html import escape

    ti = context["ti"]
    what = "up_for_retry" if retrying else "failed"
    subject = f"Airflow alert: <TaskInstance: {ti.dag_id}.{ti.task_id} {ti.run_id} [{what}]>"
    body = (f"Try {ti.try_number} out of {ti.max_tries + 1}<br>"
            f"Exception:<br>{escape(str(exc))}<br>"
            f"DAG: {escape(ti.dag_id)}<br>Task: {escape(ti.task_id)}<br>"
            f"Run: {escape(ti.run_id)}<br>")
    return subject, body
