"""Limits Discord documents that its OpenAPI spec does not encode, checked like the spec's.

The spec already holds most of them (an embed title's 256 characters, a button label's 80,
a ``custom_id``'s 100, 25 choices, 10 embeds, a command name's 32 characters); these are
the rest that matter to a bot like ours, as the Discord developer documentation states
them (see the project's platform limits):

- all embeds of one message together: at most 6,000 characters;
- a chat-input command's name and its options' names: lowercase letters, digits, ``-``,
  ``_`` (the spec only bounds their length);
- a string choice's value: at most 100 characters (the spec allows 6,000);
- one command's names, descriptions and values together: at most 8,000 characters;
- a command's required options come before its optional ones, and names are unique
  (among a command's options, and among the commands of one list).

Each is answered as Discord answers it: a ``(path, {code, message})`` leaf of the
``errors`` tree of a 400/50035 answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

EMBEDS_TOTAL = 6000
COMMAND_TOTAL = 8000
CHOICE_VALUE = 100
#: Discord's ``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, as far as ``re`` can say it.
_NAME = re.compile(r"[-_'\w]{1,32}")
_CHAT_INPUT = 1
_SUBCOMMANDS = (1, 2)  # option types that hold options of their own

Leaf = tuple[list[str], dict[str, str]]


def check(method: str, template: str, body: Any) -> Iterator[Leaf]:
    """The violations of the documented limits by ``body`` of this operation."""
    if template.endswith("/commands") and method == "PUT" and isinstance(body, list):
        yield from _command_list(body)
    elif template.endswith("/commands") and method == "POST" and isinstance(body, dict):
        yield from _command(body, [])
    elif template.endswith("/callback") and isinstance(body, dict):
        data = body.get("data")
        if isinstance(data, dict):
            yield from _message(data, ["data"])
            yield from _autocomplete(data, ["data"])
    elif isinstance(body, dict):
        yield from _message(body, [])


def _text(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _message(body: dict[str, Any], where: list[str]) -> Iterator[Leaf]:
    embeds = body.get("embeds")
    if not isinstance(embeds, list):
        return
    total = 0
    for embed in embeds:
        if not isinstance(embed, dict):
            continue
        total += _text(embed.get("title")) + _text(embed.get("description"))
        for part, key in (("footer", "text"), ("author", "name")):
            if isinstance(embed.get(part), dict):
                total += _text(embed[part].get(key))
        for field in embed.get("fields") or []:
            if isinstance(field, dict):
                total += _text(field.get("name")) + _text(field.get("value"))
    if total > EMBEDS_TOTAL:
        message = f"Embed size exceeds maximum size of {EMBEDS_TOTAL}"
        yield [*where, "embeds"], {"code": "MAX_EMBED_SIZE_EXCEEDED", "message": message}


def _autocomplete(data: dict[str, Any], where: list[str]) -> Iterator[Leaf]:
    for number, choice in enumerate(data.get("choices") or []):
        if isinstance(choice, dict):
            yield from _choice_value(choice, [*where, "choices", str(number)])


def _choice_value(choice: dict[str, Any], where: list[str]) -> Iterator[Leaf]:
    if _text(choice.get("value")) > CHOICE_VALUE:
        message = f"Must be {CHOICE_VALUE} or fewer in length."
        yield [*where, "value"], {"code": "BASE_TYPE_MAX_LENGTH", "message": message}


def _command_list(commands: list[Any]) -> Iterator[Leaf]:
    seen: set[tuple[Any, Any]] = set()
    for number, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        key = (command.get("type") or _CHAT_INPUT, command.get("name"))
        if key in seen:
            message = "Application command names must be unique"
            leaf = {"code": "APPLICATION_COMMANDS_DUPLICATE_NAME", "message": message}
            yield [str(number), "name"], leaf
        seen.add(key)
        yield from _command(command, [str(number)])


def _bad_name(name: Any) -> bool:
    return isinstance(name, str) and (not _NAME.fullmatch(name) or name != name.lower())


def _command(command: dict[str, Any], where: list[str]) -> Iterator[Leaf]:
    if (command.get("type") or _CHAT_INPUT) == _CHAT_INPUT and _bad_name(command.get("name")):
        leaf = {"code": "APPLICATION_COMMAND_INVALID_NAME", "message": "Command name is invalid"}
        yield [*where, "name"], leaf
    if _size(command) > COMMAND_TOTAL:
        message = f"Command exceeds maximum size ({COMMAND_TOTAL})"
        yield where, {"code": "APPLICATION_COMMAND_TOO_LARGE", "message": message}
    yield from _options(command.get("options"), [*where, "options"])


def _options(options: Any, where: list[str]) -> Iterator[Leaf]:
    if not isinstance(options, list):
        return
    names: set[Any] = set()
    optional_seen = False
    for number, option in enumerate(options):
        if not isinstance(option, dict):
            continue
        here = [*where, str(number)]
        if _bad_name(option.get("name")):
            message = "Command option name is invalid"
            yield [*here, "name"], {"code": "APPLICATION_COMMAND_INVALID_NAME", "message": message}
        if option.get("name") in names:
            message = "Command option names must be unique"
            leaf = {"code": "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME", "message": message}
            yield [*here, "name"], leaf
        names.add(option.get("name"))
        if option.get("type") not in _SUBCOMMANDS:
            if option.get("required") and optional_seen:
                message = "Required options must be placed before non-required options"
                leaf = {"code": "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "message": message}
                yield [*here, "required"], leaf
            optional_seen = optional_seen or not option.get("required")
        for choice_number, choice in enumerate(option.get("choices") or []):
            if isinstance(choice, dict):
                yield from _choice_value(choice, [*here, "choices", str(choice_number)])
        yield from _options(option.get("options"), [*here, "options"])


def _size(item: dict[str, Any]) -> int:
    """A command's names, descriptions and values together (the 8,000 character budget)."""
    total = _text(item.get("name")) + _text(item.get("description"))
    for choice in item.get("choices") or []:
        if isinstance(choice, dict):
            total += _text(choice.get("name")) + len(str(choice.get("value", "")))
    for option in item.get("options") or []:
        if isinstance(option, dict):
            total += _size(option)
    return total
