"""Slack tokens and secrets out of the log, at every level, DEBUG included.

slack-sdk logs each Web API call at DEBUG with its form fields and the answer's body:
``oauth.v2.access`` answers with the workspace's bot token and refresh token, and a
rotation sends the refresh token. Every Slack client the adapter makes logs through
:data:`SDK_LOGGER`, and Bolt's own loggers get the same filter: a record is scrubbed
before any handler sees it, so neither the process's stderr nor a test's log capture
holds a token. Tokens are recognised by Slack's own prefixes (``xoxb-``, ``xoxe.xoxb-``,
``xoxe-``, ``xoxp-``, ``xapp-``...); the client secret and signing secret, which have no
prefix, by their values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

#: Slack's token shapes: bot, user, app, refresh and rotating tokens.
TOKEN = re.compile(r"\b(?:xox[a-z](?:\.xox[a-z])?|xapp)-[0-9A-Za-z-]+")
HIDDEN = "[redacted]"
#: The logger of every Slack Web API client the adapter makes (Bolt's per-request
#: clients inherit it from the app's client).
SDK_LOGGER = logging.getLogger("bot.slack.sdk")


class Redact(logging.Filter):
    """Rewrites a record's message (and traceback) with every secret replaced."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def scrub(self, text: str) -> str:
        text = TOKEN.sub(HIDDEN, text)
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        scrubbed = self.scrub(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.scrub(record.exc_text)
        return True


REDACT = Redact()


def guard(loggers: Iterable[logging.Logger], secrets: Iterable[str | None] = ()) -> None:
    """Put the filter on ``loggers`` and have it hide ``secrets`` too (once each)."""
    REDACT.secrets.update(secret for secret in secrets if secret)
    for logger in loggers:
        if REDACT not in logger.filters:
            logger.addFilter(REDACT)


guard([SDK_LOGGER])
