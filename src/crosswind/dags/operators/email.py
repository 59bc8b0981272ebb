"""EmailOperator (airflow.operators.email): sends one e-mail (see crosswind.dags.email)."""

from __future__ import annotations

from typing import Any

from crosswind.dags.baseoperator import BaseOperator
from crosswind.dags.email import send_email


class EmailOperator(BaseOperator):
    template_fields = ("to", "subject", "html_content", "files")
    template_fields_renderers = {"html_content": "html"}
    template_ext = (".html",)
    ui_color = "#e6faf9"

    def __init__(
        self,
        *,
        to: list[str] | str,
        subject: str,
        html_content: str,
        files: list[str] | None = None,
        cc: list[str] | str | None = None,
        bcc: list[str] | str | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        conn_id: str | None = None,
        custom_headers: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to, self.subject, self.html_content = to, subject, html_content
        self.files = files or []
        self.cc, self.bcc = cc, bcc
        self.mime_subtype, self.mime_charset = mime_subtype, mime_charset
        self.conn_id = conn_id
        self.custom_headers = custom_headers

    def execute(self, context: dict[str, Any]) -> None:
        send_email(self.to, self.subject, self.html_content, files=self.files, cc=self.cc,
                   bcc=self.bcc, mime_subtype=self.mime_subtype,
                   mime_charset=self.mime_charset, conn_id=self.conn_id,
                   custom_headers=self.custom_headers)
