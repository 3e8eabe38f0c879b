"""What to offer for an option while it is being typed: one source for every platform.

Discord's autocomplete and the console's Tab completion both ask
:func:`bot.kinds.suggest` with the option's declaration and what has been typed so far,
so a new alias in a domain file or a new dataset in the ledger shows up in both at once.
Each option kind (:mod:`bot.kinds`) picks its source from the functions here.

Each domain or unit is offered once, in the spelling the user started typing: ``gauss``
gives ``gaussian splatting`` (3D), ``vi`` gives ``video``, and nothing typed gives the
slugs. Names that start with what was typed come first, then names that merely contain
it, the way Discord's autocomplete has always ordered them.

A command typed under a name no command has gets the closest names the same way
(:func:`unknown_command`), whether it was typed as a command or named to ``/help``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rapidfuzz import fuzz, process

from bot.errors import UnknownCommand
from bot.plaintext import shown
from knowledge.units import UNITS

if TYPE_CHECKING:
    from knowledge.kb import Library
    from knowledge.store import Store

#: Discord shows at most 25 autocomplete results; the console uses the same default.
LIMIT = 25


class Described(Protocol):
    """A command as its suggestion reads it (a :class:`bot.commands.Command` is one).

    A protocol, so that this module, which the option kinds use, needs nothing of the
    command model built on them.
    """

    @property
    def description(self) -> str: ...


@dataclass(frozen=True)
class Suggestion:
    """One candidate: ``value`` is what gets inserted or sent, ``label`` the menu line.

    ``meta`` is what the value stands for (a domain's name, a unit's canonical form, a
    command's description), for menus that show it in a column of its own.
    """

    value: str
    label: str
    meta: str = ""


@dataclass(frozen=True)
class _Entry:
    """Something that can be suggested, under all the spellings that name it."""

    spellings: tuple[str, ...]
    label: str
    meta: str
    #: What a match inside the label (not at a spelling's start) inserts.
    default: str

    def starting(self, typed: str) -> str | None:
        return next((s for s in self.spellings if s.casefold().startswith(typed)), None)

    def containing(self, typed: str) -> str | None:
        spelling = next((s for s in self.spellings if typed in s.casefold()), None)
        if spelling is None and typed in self.label.casefold():
            return self.default
        return spelling


def _ranked(entries: Iterable[_Entry], typed: str, limit: int) -> list[Suggestion]:
    """Entries whose spellings start with ``typed``, then those that contain it."""
    key = typed.strip().casefold()
    entries = list(entries)
    if not key:
        return [Suggestion(e.default, e.label, e.meta) for e in entries[:limit]]
    starts: list[Suggestion] = []
    contains: list[Suggestion] = []
    for entry in entries:
        if (spelling := entry.starting(key)) is not None:
            starts.append(Suggestion(spelling, _label(entry, spelling), entry.meta))
        elif (spelling := entry.containing(key)) is not None:
            contains.append(Suggestion(spelling, _label(entry, spelling), entry.meta))
    return (starts + contains)[:limit]


def _label(entry: _Entry, spelling: str) -> str:
    if spelling == entry.default or spelling.casefold() in entry.label.casefold():
        return entry.label
    return f"{spelling} → {entry.label}"


def domain_suggestions(typed: str, library: Library, limit: int = LIMIT) -> list[Suggestion]:
    """Domains by slug, name or any alias; with nothing typed, every slug."""
    entries = (
        _Entry(
            spellings=(domain.slug, domain.name, *domain.aliases),
            label=f"{domain.name} ({domain.slug})",
            meta=domain.name,
            default=domain.slug,
        )
        for domain in library.domains.values()
    )
    return _ranked(entries, typed, limit)


def unit_suggestions(typed: str, limit: int = LIMIT) -> list[Suggestion]:
    """Canonical units, found by any accepted spelling (``hrs``, ``pairs``, ``demos``)."""
    entries = (
        _Entry(spellings=(unit, *aliases), label=unit, meta=unit, default=unit)
        for unit, aliases in UNITS.items()
    )
    return _ranked(entries, typed, limit)


def command_suggestions(
    typed: str, commands: Mapping[str, Described], limit: int = LIMIT
) -> list[Suggestion]:
    """Command names (without the slash), found by name or by words of the description."""
    entries = (
        _Entry(
            spellings=(name,),
            label=f"{name}: {command.description}",
            meta=command.description,
            default=name,
        )
        for name, command in commands.items()
    )
    return _ranked(entries, typed.removeprefix("/"), limit)


def suggest_commands(name: str, commands: Iterable[str]) -> list[str]:
    """Command names close to ``name``, best first (for "did you mean")."""
    matches = process.extract(name, list(commands), scorer=fuzz.WRatio, limit=3)
    return [match for match, score, _ in matches if score >= 60]


def unknown_command(name: str, commands: Iterable[str], *, within: str = "") -> UnknownCommand:
    """The one answer to ``/name`` when no command in ``commands`` has that name.

    It names the closest command, if one is close, and /help. Its example is what to
    type instead: the suggested command itself (``/scale``), or, for a name given to
    the command ``within`` (``/help scael``), that command with it (``/help scale``).
    """
    suggestions = suggest_commands(name, commands)
    hint = f" Did you mean /{suggestions[0]}?" if suggestions else ""
    if suggestions:
        example = f"/{within} {suggestions[0]}" if within else f"/{suggestions[0]}"
    else:
        example = "/help"
    return UnknownCommand(
        f"There is no command /{shown(name)}.{hint} Type /help for the list.",
        example=example,
    )


def choice_suggestions(typed: str, choices: Iterable[str], limit: int = LIMIT) -> list[Suggestion]:
    entries = (_Entry(spellings=(c,), label=c, meta="", default=c) for c in choices)
    return _ranked(entries, typed, limit)


def dataset_suggestions(
    typed: str, store: Store, domain: str | None = None, limit: int = LIMIT
) -> list[Suggestion]:
    """Datasets with a current figure in the ledger (in ``domain`` if given), by prefix."""
    names = store.catalog.dataset_names(domain, typed.strip(), limit)
    return [Suggestion(name, name) for name in names]
