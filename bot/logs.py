"""Where the log goes and how each line looks: text for people, JSON for log collectors.

``SCALEBOT_LOG_FORMAT=json`` writes one JSON object per line (python-json-logger's
formatter: ``time``, ``level``, ``logger``, ``message``, ``exception`` when there is
one, and any ``extra=`` fields), so a collector reads fields rather than parsing text.
Both formats pass through the same redaction: the value of every secret setting
(tokens, the signing secret) is replaced before a line is written, whatever logger
(ours or a library's, at any level) put it there.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import IO

from pydantic import SecretStr

from bot.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: What a secret's value becomes in a log line.
HIDDEN = "[hidden]"


def secrets_of(settings: Settings) -> list[str]:
    """Every secret setting's value that is set, longest first (one may contain another)."""
    values = {v.get_secret_value() for _, v in settings if isinstance(v, SecretStr)}
    return sorted((v for v in values if v), key=len, reverse=True)


class Redacting(logging.Formatter):
    """Wraps a formatter: its output with every secret's value (and its JSON-escaped
    form) replaced by :data:`HIDDEN`."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner
        pairs = [(s, HIDDEN) for s in secrets]
        escaped = [(json.dumps(s)[1:-1], HIDDEN) for s in secrets]
        self.replacements = pairs + [p for p in escaped if p[0] not in secrets]

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret, shown in self.replacements:
            line = line.replace(secret, shown)
        return line


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of ``SCALEBOT_LOG_FORMAT``: ``text`` (default) or ``json``."""
    if log_format != "json":
        return logging.Formatter(TEXT_FORMAT)
    from pythonjsonlogger.json import JsonFormatter  # only when asked for

    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        timestamp="time",
        rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
    )


def configure(settings: Settings, stream: IO[str] | None = None) -> None:
    """The process's logging: level, format and redaction, on standard error.

    As ``basicConfig``, it does nothing when the root logger has handlers already (a
    program that embeds the CLI, pytest's capture).
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(Redacting(formatter(settings.log_format), secrets_of(settings)))
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
