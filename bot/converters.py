"""Turning raw option strings into typed values, the same way on every platform.

Discord hands options over one by one, Slack and the terminal as one string parsed by
:mod:`bot.grammar`, and ``scalebot import`` as CSV cells: all of them end here, so a
quantity, unit, URL or domain is accepted or refused identically everywhere, with the
same message and example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rapidfuzz import fuzz, process

from bot.commands import Command, Option, OptionType
from bot.errors import (
    InvalidQuantity,
    InvalidValue,
    TooLong,
    UnknownCommand,
    UnknownDomain,
    UnknownUnit,
)
from bot.phrasing import join_and
from knowledge.kb import Library
from knowledge.quantity import QuantityError, parse_quantity
from knowledge.units import canonical_unit, suggest_units


@dataclass(frozen=True)
class Quantity:
    """A quantity as typed (kept verbatim) and its value."""

    text: str
    value: float


#: Unicode's control characters (category Cc) but newline and tab.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_text(raw: str) -> str:
    """Strip the ends and drop control characters other than newlines and tabs."""
    return _CONTROL.sub("", raw).strip()


def suggest_commands(name: str, commands: dict[str, Command]) -> list[str]:
    matches = process.extract(name, list(commands), scorer=fuzz.WRatio, limit=3)
    return [match for match, score, _ in matches if score >= 60]


def resolve_domain(raw: str, library: Library, command: Command | None = None) -> Any:
    """The domain ``raw`` names (slug, name, alias, any case), or why it names none.

    The example in the error is the command the user was typing, with the likeliest
    field put in, so it can be copied as it stands.
    """
    domain = library.resolve(raw)
    if domain is not None:
        return domain
    suggestions = library.suggest(raw)
    hint = (
        f" Did you mean {join_and([f'`{s}`' for s in suggestions], 'or')}?" if suggestions else ""
    )
    known = ", ".join(library.domains)
    example = f"/scale {suggestions[0] if suggestions else 'video'}"
    if command is not None:
        domain_options = [o for o in command.options if o.type is OptionType.DOMAIN]
        example = command.example
        if suggestions and len(domain_options) == 1:
            example = f"/{command.name} {suggestions[0]}"
    raise UnknownDomain(
        f"`{raw}` is not a field I know.{hint} Known fields: {known} (aliases: /domains).",
        example=example,
    )


def _url(raw: str, option: Option, command: Command) -> str:
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in raw:
        raise InvalidValue(
            f"The {option.noun} must start with http:// or https://; got `{raw}`.",
            example=command.example,
        )
    return raw


#: Limits above this are safety bounds, not something to tell people ("1 to 2**62").
_SHOWN_LIMIT = 10**9


def _number(value: int) -> str:
    """Years stay ``2027``; larger numbers get separators: ``100,000``."""
    return f"{value:,}" if value >= 10_000 else str(value)


def _integer_range(option: Option) -> str:
    low, high = option.min_value, option.max_value
    if high is not None and high < _SHOWN_LIMIT:
        return f"from {_number(low if low is not None else 0)} to {_number(high)}"
    return f"of {_number(low)} or more" if low is not None else ""


def _integer(raw: str, option: Option, command: Command) -> int:
    text = raw.removeprefix("#").replace(",", "")
    limits = _integer_range(option)
    try:
        value = int(text)
    except ValueError:
        raise InvalidValue(
            f"The {option.noun} must be a whole number {limits}; got `{raw}`.",
            example=command.example,
        ) from None
    too_low = option.min_value is not None and value < option.min_value
    too_high = option.max_value is not None and value > option.max_value
    if too_high and option.max_value is not None and option.max_value >= _SHOWN_LIMIT:
        raise InvalidValue(f"The {option.noun} {value} is too large.", example=command.example)
    if too_low or too_high:
        raise InvalidValue(
            f"The {option.noun} must be a whole number {limits}; got {value}.",
            example=command.example,
        )
    return value


def convert(
    option: Option,
    raw: str,
    command: Command,
    library: Library,
    commands: dict[str, Command],
) -> Any:
    """The typed value of one option, or a :class:`~bot.errors.UserError` saying why not."""
    text = clean_text(raw)
    if len(text) > option.max_length:
        raise TooLong(
            f"The {option.noun} is {len(text)} characters long; the limit is "
            f"{option.max_length}. Nothing was stored: shorten it and send again.",
            example=command.example,
        )
    match option.type:
        case OptionType.DOMAIN:
            return resolve_domain(text, library, command)
        case OptionType.QUANTITY:
            try:
                return Quantity(text, parse_quantity(text))
            except QuantityError as error:
                raise InvalidQuantity(
                    f"The {option.noun} `{text}` {error}. Use a number such as "
                    "`4.3M`, `5.85B`, `15T`, `10 million`, `1.2e9`, `800k` or `4,300,000`.",
                    example=command.example,
                ) from None
        case OptionType.UNIT:
            unit = canonical_unit(text)
            if unit is None:
                suggestions = suggest_units(text)
                hint = f" Did you mean {' or '.join(suggestions)}?" if suggestions else ""
                raise UnknownUnit(
                    f"`{text}` is not a unit I know.{hint} "
                    "Units: hours, tokens, books, image-text pairs, images, clips, videos, "
                    "objects, scenes, trajectories, episodes, miles, frames, GiB, words, "
                    "documents.",
                    example=command.example,
                )
            return unit
        case OptionType.URL:
            return _url(text, option, command)
        case OptionType.INTEGER:
            return _integer(text, option, command)
        case OptionType.CHOICE:
            choice = text.casefold()
            if choice not in option.choices:
                raise InvalidValue(
                    f"The {option.noun} must be {join_and(option.choices, 'or')}; got `{text}`.",
                    example=command.example,
                )
            return choice
        case OptionType.COMMAND:
            name = text.removeprefix("/").casefold()
            if name not in commands:
                suggestions = suggest_commands(name, commands)
                hint = f" Did you mean /{suggestions[0]}?" if suggestions else ""
                raise UnknownCommand(
                    f"There is no command /{name}.{hint} Type /help for the list.",
                    example=f"/help {suggestions[0]}" if suggestions else "/help",
                )
            return name
        case _:
            return text
