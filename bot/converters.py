"""Turning raw option strings into typed values, the same way on every platform.

Discord hands options over one by one, Slack and the terminal as one string parsed by
:mod:`bot.grammar`, and ``scalebot import`` as CSV cells: all of them end here, so a
quantity, unit, URL or domain is accepted or refused identically everywhere, with the
same message and example. What each kind of value accepts is its kind's business
(:mod:`bot.kinds`); what every value shares (control characters dropped, the length
limit) is checked here first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bot.errors import TooLong
from bot.kinds import Context

if TYPE_CHECKING:
    from bot.commands import Command, Option
    from knowledge.kb import Library
    from knowledge.store import Store

#: Unicode's control characters (category Cc) but line breaks and tab: a line break is
#: kept so that a one-line value holding one is refused, not silently joined up.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(raw: str) -> str:
    """Strip the ends and drop control characters other than line breaks and tabs."""
    return _CONTROL.sub("", raw).strip()


def convert(
    option: Option,
    raw: str,
    command: Command,
    library: Library,
    commands: Mapping[str, Command],
    store: Store | None = None,
) -> Any:
    """The typed value of one option, or a :class:`~bot.errors.UserError` saying why not."""
    text = clean_text(raw)
    if len(text) > option.max_length:
        raise TooLong(
            f"The {option.noun} is {len(text)} characters long; the limit is "
            f"{option.max_length}. Nothing was stored: shorten it and send again.",
            example=command.example,
        )
    return option.type.convert(text, option, Context(command, library, commands, store))
