"""Tab completion for the terminal console, from the same declarations the platforms use.

The first word completes to a command name; after it, the word at the cursor completes
to values of the option it fills (found with the text grammar's own :func:`bind`, so
completion and execution can never disagree about which option that is) or to
``name:`` for options not given yet. Values come from :func:`bot.suggest.suggest`, the
source Discord's autocomplete uses. Text the grammar refuses gets no completions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document

from bot.commands import Command, Option
from bot.errors import UserError
from bot.grammar import _TYPOGRAPHIC_QUOTES, bind, tokenize
from bot.kinds import Context, suggest
from bot.suggest import Suggestion, command_suggestions
from knowledge.kb import Library
from knowledge.store import Store

QUOTES = "\"'"
#: A private-use character nobody types: stands for the word at the cursor in :func:`bind`.
CURSOR = "\ue000"
#: The console shows more than Discord's 25: a terminal menu scrolls.
LIMIT = 50


@dataclass(frozen=True)
class Cursor:
    """Where in a command line the cursor is, in the grammar's terms.

    ``command`` is None while the command's own name is typed. ``word`` is the value
    being typed as it appears on the line (with an opening quote, without a ``name:``),
    ``typed`` the same without the quote, ``option`` the option it is a value of (None
    while the name is typed), ``unused`` the options that may still be named with
    ``name:`` in place of the word (none once the word has its own ``name:``), and
    ``given`` the raw values of the options already given.
    """

    command: Command | None
    word: str
    typed: str
    option: Option | None = None
    unused: tuple[Option, ...] = ()
    given: Mapping[str, str] = field(default_factory=dict)

    @property
    def quoted(self) -> bool:
        return self.word.startswith(tuple(QUOTES))


def quote(value: str) -> str:
    """``gaussian splatting`` -> ``"gaussian splatting"``: one token for :func:`tokenize`."""
    if value and not any(c.isspace() for c in value) and value[0] not in QUOTES:
        return value
    return '"' + value.replace('"', '\\"') + '"'


def _parses(text: str) -> bool:
    try:
        tokenize(text)
    except UserError:
        return False
    return True


def _last_word(text: str) -> str:
    return re.split(r"\s", text)[-1]


def _unquoted(word: str) -> str:
    return word[1:] if word[:1] and word[0] in QUOTES else word


def _split_at_cursor(command: Command, rest: str) -> tuple[str, str] | None:
    """The argument text as (the words before the cursor's word, the cursor's word).

    A word with an unclosed quote runs from its quote (or its ``name:``) to the cursor;
    a word holding a closed quote is finished, and so is anything the grammar refuses.
    """
    if _parses(rest):
        if not rest or rest[-1].isspace():
            return rest, ""
        word = _last_word(rest)
        if any(q in word for q in QUOTES):
            return None
        return rest[: len(rest) - len(word)], word
    for index in reversed([i for i, char in enumerate(rest) if char in QUOTES]):
        head = rest[:index]
        prefix = _last_word(head)
        before = head[: len(head) - len(prefix)]
        opened = rest[index]
        if prefix and _keyword(command, prefix) is None:
            continue
        if opened in rest[index + 1 :] or not _parses(before):
            continue
        return before, rest[len(before) :]
    return None


def locate(line: str, commands: Mapping[str, Command]) -> Cursor | None:
    """What the word before the cursor of ``line`` is, or None when nothing fits there."""
    text = line.lstrip().translate(_TYPOGRAPHIC_QUOTES)
    if not text.startswith("/"):
        return None  # plain text is a question: nothing to complete
    name, space, rest = _partition_name(text)
    if not space:
        return Cursor(command=None, word=name, typed=name)
    command = commands.get(name[1:].casefold())
    if command is None:
        return None
    split = _split_at_cursor(command, rest)
    if split is None:
        return None
    before, word = split
    keyword = _keyword(command, word)
    # The grammar binds the line with a marker for the word: the option that gets the
    # marker is the one being typed, and a line it refuses gets no completions.
    probe = f"{keyword[0].name}:{CURSOR}" if keyword else CURSOR
    try:
        values = bind(command, before + probe)
    except UserError:
        return None
    option = next((o for o in command.options if CURSOR in values.get(o.name, "")), None)
    if option is None:
        return None
    own = values.pop(option.name)
    if keyword:
        value = keyword[1]
        return Cursor(command, value, _unquoted(value), option, given=values)
    # Its own ``name:`` is an alternative only where the word would start its value.
    unused = tuple(
        o for o in command.options if o.name not in values and (o is not option or own == CURSOR)
    )
    return Cursor(command, word, _unquoted(word), option, unused=unused, given=values)


def _partition_name(text: str) -> tuple[str, str, str]:
    """``/submit 3d x`` -> (``/submit``, ``" "``, ``3d x``): the name and what follows."""
    parts = re.split(r"(\s)", text, maxsplit=1)
    return (parts[0], parts[1], parts[2]) if len(parts) == 3 else (parts[0], "", "")


def _keyword(command: Command, word: str) -> tuple[Option, str] | None:
    """``sort:ne`` -> (the sort option, ``ne``) when ``sort`` names an option of ``command``.

    As in :func:`bind`, ``https://...`` is a value, not an option called ``https``.
    """
    name, colon, value = word.partition(":")
    option = command.option(name.casefold()) if colon else None
    return (option, value) if option is not None else None


class CommandCompleter(Completer):
    """prompt_toolkit completion for console lines; reads the store on the console's thread."""

    def __init__(self, library: Library, store: Store, commands: Mapping[str, Command]) -> None:
        self.library = library
        self.store = store
        self.commands = commands

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        cursor = locate(document.text_before_cursor, self.commands)
        if cursor is None:
            return []
        if cursor.command is None:
            names = command_suggestions(cursor.typed, self.commands, LIMIT)
            extending, inside = _split_by_prefix(names, cursor.typed.removeprefix("/"))
            return [
                Completion(f"/{s.value}", start_position=-len(cursor.word), display_meta=s.meta)
                for s in extending or inside
            ]
        extending, inside = _split_by_prefix(self._values(cursor), cursor.typed)
        keywords = self._keywords(cursor)
        # Names that merely contain the word come only when nothing starts with it: Tab
        # inserts the part all candidates share only if each one extends what was typed.
        values = extending if extending or keywords else inside
        return [*(self._value(cursor, s) for s in values), *keywords]

    def _values(self, cursor: Cursor) -> list[Suggestion]:
        if cursor.option is None:
            return []
        assert cursor.command is not None  # an option is only known inside a command
        context = Context(cursor.command, self.library, self.commands, self.store, cursor.given)
        return suggest(cursor.option, cursor.typed, context, LIMIT)

    @staticmethod
    def _value(cursor: Cursor, suggestion: Suggestion) -> Completion:
        text = quote(suggestion.value)
        if cursor.quoted and not text.startswith('"'):
            text = f'"{text}"'  # keep the quote the user opened, and close it
        return Completion(
            text,
            start_position=-len(cursor.word),
            display=suggestion.value,
            display_meta=suggestion.meta,
        )

    @staticmethod
    def _keywords(cursor: Cursor) -> list[Completion]:
        if cursor.quoted:
            return []
        typed = cursor.typed.casefold()
        return [
            Completion(
                f"{option.name}:",
                start_position=-len(cursor.word),
                display_meta=option.description,
            )
            for option in cursor.unused
            if option.name.startswith(typed)
        ]


def _split_by_prefix(
    found: list[Suggestion], typed: str
) -> tuple[list[Suggestion], list[Suggestion]]:
    """(suggestions whose value starts with ``typed``, the others), in their order."""
    key = typed.casefold()
    extending = [s for s in found if s.value.casefold().startswith(key)]
    return extending, [s for s in found if s not in extending]
