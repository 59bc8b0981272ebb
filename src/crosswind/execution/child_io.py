"""A task process's output: fd 1 and 2 go to the try's log file, and Python-level writes
pass through `redact()` so registered secrets appear as *** (subprocess output such as
bash's is read and re-printed by its operator, so it is redacted too).
"""

from __future__ import annotations

import io
import logging
import os
import sys
from pathlib import Path
from typing import TextIO

from crosswind.dags.masking import redact

LOG_FORMAT = "[%(asctime)s] {%(filename)s:%(lineno)d} %(levelname)s - %(message)s"


class RedactingWriter(io.TextIOBase):
    """A text stream that masks secrets, then writes to `target` line-buffered."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        self.target.write(redact(text))
        self.target.flush()
        return len(text)

    def flush(self) -> None:
        self.target.flush()

    def fileno(self) -> int:
        return self.target.fileno()

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"


def prepare_logging() -> None:
    """Logger levels for task processes, set once in the (fork server) parent: setLevel()
    clears the cache of every logger, ~1 ms with SQLAlchemy's loggers, per call."""
    _set_level(logging.getLogger(), logging.INFO)
    for noisy in ("sqlalchemy", "httpx"):
        _set_level(logging.getLogger(noisy), logging.WARNING)


def _set_level(logger: logging.Logger, level: int) -> None:
    if logger.level != level:
        logger.setLevel(level)


def redirect_to(path: Path | str) -> None:
    """Point fd 1/2, sys.stdout/sys.stderr and the root logger at the log file `path`."""
    path = os.fspath(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND
    try:
        fd = os.open(path, flags, 0o644)
    except FileNotFoundError:  # a new try's folder: create it only then (saves stats)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, flags, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    raw = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                           errors="backslashreplace", line_buffering=True)
    writer = RedactingWriter(raw)
    sys.stdout = sys.stderr = writer  # type: ignore[assignment]
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(writer)
    handler.setFormatter(_FORMATTER)
    root.addHandler(handler)
    prepare_logging()  # no-op when the parent already did it


_FORMATTER = logging.Formatter(LOG_FORMAT)
