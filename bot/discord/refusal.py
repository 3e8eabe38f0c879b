"""Discord's refusal of our command list, told in words: which command, which option, why.

When Discord refuses a command sync it answers "Invalid Form Body" (code 50035) with an
``errors`` tree that names the fault by position in the list we sent:
``{"3": {"options": {"0": {"max_value": {"_errors": [{"code": "NUMBER_TYPE_MAX",
"message": "int value should be less than or equal to 9007199254740991."}]}}}}}``. The
whole list is refused, so no slash command exists until the declaration is fixed; the
operator needs the command and option by name, as a user would call them:
``/confirm, option "id" (data point number): max_value: int value should be ...``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import discord

from bot.commands import Command
from bot.errors import PlatformRefused

#: Discord's code for a body that breaks its rules ("Invalid Form Body").
INVALID_FORM_BODY = 50035
PREFIX = "Discord refused the command list"


class CommandsRefused(PlatformRefused):
    """Discord refused the command sync; the message names each command and option at fault."""


def refusal(
    error: discord.HTTPException,
    sent: Sequence[Mapping[str, Any]],
    declared: Mapping[str, Command],
) -> CommandsRefused:
    """The error to stop with when Discord refuses ``sent`` (the list as it was PUT).

    discord.py keeps the raw ``errors`` tree of a 50035 answer only as the exception's
    ``_errors`` (its own text flattens it by index); it is read here to map each index
    back to the command and option it stands for.
    """
    errors = getattr(error, "_errors", None)
    if error.code == INVALID_FORM_BODY and isinstance(errors, Mapping) and errors:
        problems = list(describe(errors, sent, declared))
    else:
        problems = [f"HTTP {error.status}, error code {error.code}: {error.text or 'no reason'}"]
    if len(problems) == 1:
        return CommandsRefused(f"{PREFIX}: {problems[0]}")
    return CommandsRefused(f"{PREFIX}:\n" + "\n".join(f"- {problem}" for problem in problems))


def describe(
    errors: Mapping[str, Any],
    sent: Sequence[Mapping[str, Any]],
    declared: Mapping[str, Command],
) -> Iterator[str]:
    """One line per fault: the command and option in words, the field, Discord's reason."""
    for key, inner in errors.items():
        if key == "_errors":
            yield _messages(inner)
        elif key.isdigit() and int(key) < len(sent) and isinstance(inner, Mapping):
            command = sent[int(key)]
            name = str(command.get("name", key))
            yield from _within(f"/{name}", inner, command, declared.get(name))
        else:
            yield from (f"{path}: {said}" for path, said in _flatten(inner, [key]))


def _within(
    where: str, errors: Mapping[str, Any], item: Mapping[str, Any], command: Command | None
) -> Iterator[str]:
    """Faults of one command (or option), the options it holds named as we declared them."""
    options = item.get("options") or []
    for key, inner in errors.items():
        if key == "_errors":
            yield f"{where}: {_messages(inner)}"
        elif key == "options" and isinstance(inner, Mapping):
            for index, nested in inner.items():
                if not (index.isdigit() and int(index) < len(options)):
                    yield from (f"{where}: {p}: {s}" for p, s in _flatten(nested, [key, index]))
                    continue
                option = options[int(index)]
                named = f"{where}, {_option_words(option, command)}"
                yield from _within(named, nested, option, None)
        else:
            yield from (f"{where}: {path}: {said}" for path, said in _flatten(inner, [key]))


def _option_words(option: Mapping[str, Any], command: Command | None) -> str:
    """``option "id" (data point number)``: its name, and what a person calls it."""
    name = str(option.get("name", "?"))
    declared = command.option(name) if command is not None else None
    noun = declared.noun if declared is not None else ""
    return f'option "{name}" ({noun})' if noun and noun != name else f'option "{name}"'


def _flatten(errors: Any, path: list[str]) -> Iterator[tuple[str, str]]:
    if not isinstance(errors, Mapping):
        yield ".".join(path), str(errors)
        return
    for key, inner in errors.items():
        if key == "_errors":
            yield ".".join(path), _messages(inner)
        else:
            yield from _flatten(inner, [*path, key])


def _messages(errors: Any) -> str:
    if not isinstance(errors, list):
        return str(errors)
    return " ".join(str(e.get("message") or e.get("code")) for e in errors if isinstance(e, dict))
