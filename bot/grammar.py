"""The text grammar of commands typed as one string (terminal, Slack, mentions).

``/submit 3d "Objaverse-XL" 10.2M objects https://arxiv.org/abs/2307.05663 year:2023``:
positional values in the declared order, or ``name:value`` pairs anywhere, with double
(or single, or typographic) quotes around values that hold spaces. Apostrophes inside
words (``don't``) are ordinary characters, so free-text questions need no quoting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.commands import Command, Option
from bot.errors import BadSyntax, GivenTwice, InvalidValue, TooManyValues
from bot.kinds import MAX_VALUE_WORDS
from bot.phrasing import capitalized

#: Whole commands longer than this are refused before parsing; no command needs more.
MAX_COMMAND_LENGTH = 4000

_TYPOGRAPHIC_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"})
#: A run of characters that are neither white space nor quotes: taken in one step.
_PLAIN_RUN = re.compile(r"[^\s\"']+")
_KEYWORD = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]{0,31}):(.*)$", re.DOTALL)


@dataclass(frozen=True)
class Token:
    text: str
    starts_quoted: bool


def split_command(text: str) -> tuple[str, str]:
    """``"/scale video"`` -> ``("scale", "video")``; the name is lower-cased."""
    stripped = text.strip()
    if stripped.startswith("/"):
        stripped = stripped[1:]
    name, _, rest = stripped.partition(" ")
    if "\n" in name:
        name, _, more = name.partition("\n")
        rest = f"{more} {rest}"
    return name.casefold(), rest.strip()


def tokenize(text: str) -> list[Token]:
    """Split on white space, keeping quoted runs together; refuse an unclosed quote."""
    text = text.translate(_TYPOGRAPHIC_QUOTES)
    tokens: list[Token] = []
    index, length = 0, len(text)
    while index < length:
        while index < length and text[index].isspace():
            index += 1
        if index >= length:
            break
        starts_quoted = text[index] in "\"'"
        chars: list[str] = []
        after_quoted = False  # whether the last piece of ``chars`` was a quoted value
        while index < length and not text[index].isspace():
            char = text[index]
            if char not in "\"'":
                run = _PLAIN_RUN.match(text, index)
                assert run is not None  # ``char`` itself is neither space nor quote
                chars.append(run.group())
                index, after_quoted = run.end(), False
                continue
            so_far = "".join(chars)
            last = chars[-1] if chars else ""
            ends_with_colon = last == ":" if after_quoted else last.endswith(":")
            at_value_start = not chars or (ends_with_colon and _KEYWORD.match(so_far))
            if at_value_start:
                closing = text.find(char, index + 1)
                while closing != -1 and text[closing - 1] == "\\":
                    closing = text.find(char, closing + 1)
                if closing == -1:
                    raise BadSyntax(
                        f"A quote ({char}) is opened but never closed.",
                        example='/submit 3d "Objaverse XL" 10.2M objects https://arxiv.org/abs/2307.05663',
                    )
                chars.append(text[index + 1 : closing].replace("\\" + char, char))
                index, after_quoted = closing + 1, True
                continue
            chars.append(char)
            index, after_quoted = index + 1, False
        tokens.append(Token("".join(chars), starts_quoted))
    return tokens


def _unknown_option(token: Token, names: set[str]) -> str | None:
    """The name of a ``name:value`` token naming no option (``https://...`` is no option)."""
    match = None if token.starts_quoted else _KEYWORD.match(token.text)
    if match is None or match[1].casefold() in names or match[2].startswith("//"):
        return None
    return match[1]


def bind(command: Command, text: str) -> dict[str, str]:
    """Map a command's argument text onto its declared option names (raw strings)."""
    names = {option.name for option in command.options}
    keyword_values: dict[str, str] = {}
    #: option name -> where its ``name:value`` token stands among the tokens.
    keyword_at: dict[str, int] = {}
    positional: list[str] = []
    #: position in ``positional`` -> where that token stands among all the tokens.
    positional_at: list[int] = []
    #: position in ``positional`` -> the unknown option name its token spelled out.
    unknown: dict[int, str] = {}
    try:
        tokens = tokenize(text)
    except BadSyntax as error:
        raise BadSyntax(error.message, example=command.example) from None
    for index, token in enumerate(tokens):
        match = None if token.starts_quoted else _KEYWORD.match(token.text)
        if match and match[1].casefold() in names:
            name = match[1].casefold()
            if name in keyword_values:
                noun = capitalized(_noun(command, name))
                raise GivenTwice(
                    f"{noun} is given twice (`{name}:{keyword_values[name]}` and "
                    f"`{name}:{match[2]}`); give it once.",
                    example=command.example,
                )
            keyword_values[name] = match[2]
            keyword_at[name] = index
        else:
            name = _unknown_option(token, names)
            if name is not None:
                unknown[len(positional)] = name
            positional.append(token.text)
            positional_at.append(index)

    values = dict(keyword_values)
    queue = [option for option in command.options if option.name not in keyword_values]
    position = 0
    for option in queue:
        if position >= len(positional):
            break
        _refuse_doubles(
            command,
            option,
            positional_at[position],
            keyword_at,
            keyword_values,
            positional[position],
        )
        if option.greedy:
            values[option.name] = " ".join(positional[position:])
            position = len(positional)
            break
        if not option.type.takes_any_text:
            _refuse_unknown_option(command, unknown.get(position))
        count = option.type.words(positional[position : position + MAX_VALUE_WORDS])
        values[option.name] = " ".join(positional[position : position + count])
        position += count
    if position < len(positional):
        _refuse_unknown_option(command, unknown.get(position))
        _refuse_doubles(
            command, None, positional_at[position], keyword_at, keyword_values, positional[position]
        )
        extra = positional[position:]
        verdict = "is one too many" if len(extra) == 1 else "are more than it takes"
        raise TooManyValues(
            f"/{command.name} takes {command.takes()}; `{' '.join(extra)}` {verdict}. "
            f"Usage: {command.usage}",
            example=command.example,
        )
    return values


def _refuse_doubles(
    command: Command,
    option: Option | None,
    at: int,
    keyword_at: dict[str, int],
    keyword_values: dict[str, str],
    value: str,
) -> None:
    """A value typed before ``name:`` belongs to an option before it, as typed.

    ``option`` is where the value would land by position (None: past the last option).

    ``/approve 27 id:28``: by position, 27 is the id; taking 28 as the id and 27 as the
    note would act on a meaning nobody typed. A value after ``name:`` may go on to the
    options after it (``year:2023 "a note"``).
    """
    order = {o.name: n for n, o in enumerate(command.options)}
    lands = order[option.name] if option is not None else len(order)  # None: past the end
    for name, named_at in keyword_at.items():
        if named_at > at and order[name] < lands:
            noun = capitalized(_noun(command, name))
            raise GivenTwice(
                f"{noun} is given twice: `{value}` by position and "
                f"`{name}:{keyword_values[name]}` by name; give it once.",
                example=command.example,
            )


def _noun(command: Command, name: str) -> str:
    option = command.option(name)
    return f"the {option.noun}" if option else f"`{name}:`"


def _refuse_unknown_option(command: Command, name: str | None) -> None:
    """``colour:red`` where a typed value belongs: say the option does not exist."""
    if name is not None:
        options = ", ".join(option.name for option in command.options)
        raise InvalidValue(
            f"/{command.name} has no option `{name}:`; its options are {options}. "
            f"Usage: {command.usage}",
            example=command.example,
        )
