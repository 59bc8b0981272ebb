"""Console logging of the long-running commands: CROSSWIND_LOG_LEVEL, CROSSWIND_LOG_FORMAT
(text: `[time] LEVEL logger: message`; json: one object per line, for log shippers) and
CROSSWIND_ACCESS_LOG (one line per HTTP request from the API server).

One `logging.config` dictionary serves both this process and uvicorn, which applies it
again in each of its worker processes (`api-server --workers N`).
"""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from crosswind.settings import Settings

TEXT_FORMAT = "[%(asctime)s] %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts (UTC, ISO 8601), level, logger, message[, exc_info]."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def dict_config(settings: Settings, default_level: str) -> dict[str, Any]:
    """`default_level` is the command's own (standalone: WARNING, the others: INFO)."""
    level = settings.log_level or default_level
    formatter: dict[str, Any] = ({"()": "crosswind.cli.logs.JsonFormatter"}
                                 if settings.log_format == "json" else {"format": TEXT_FORMAT})
    quiet = "WARNING" if level in ("DEBUG", "INFO") else level
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"console": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "console",
                                 "stream": "ext://sys.stderr"}},
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            "alembic": {"level": quiet},  # its set-up chatter at every start
            "watchfiles": {"level": quiet},  # a line per file-system event
            # uvicorn's loggers go through our handler (none of their own).
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"level": "INFO" if settings.access_log else "WARNING",
                               "handlers": [], "propagate": True},
        },
    }


def configure(settings: Settings, default_level: str) -> dict[str, Any]:
    config = dict_config(settings, default_level)
    logging.config.dictConfig(config)
    return config
