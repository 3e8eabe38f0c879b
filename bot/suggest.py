"""What to offer for an option while it is being typed: one source for every platform.

Discord's autocomplete and the console's Tab completion both ask
:func:`bot.kinds.suggest` with the option's declaration and what has been typed so far,
so a new alias in a domain file or a new dataset in the ledger shows up in both at once.
Each option kind (:mod:`bot.kinds`) picks its source from the functions here.

Each domain or unit is offered once, in the spelling the user started typing: ``gauss``
gives ``gaussian splatting`` (3D), ``vi`` gives ``video``, and nothing typed gives the
slugs. Names that start with what was typed come first, then names that merely contain
it, the way Discord's autocomplete has always ordered them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from knowledge.units import UNITS

if TYPE_CHECKING:
    from bot.commands import Command
    from knowledge.kb import Library
    from knowledge.store import Store

#: Discord shows at most 25 autocomplete results; the console uses the same default.
LIMIT = 25


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
    typed: str, commands: Mapping[str, Command], limit: int = LIMIT
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


def choice_suggestions(typed: str, choices: Iterable[str], limit: int = LIMIT) -> list[Suggestion]:
    entries = (_Entry(spellings=(c,), label=c, meta="", default=c) for c in choices)
    return _ranked(entries, typed, limit)


def dataset_suggestions(
    typed: str, store: Store, domain: str | None = None, limit: int = LIMIT
) -> list[Suggestion]:
    """Datasets with a current figure in the ledger (in ``domain`` if given), by prefix."""
    names = store.catalog.dataset_names(domain, typed.strip(), limit)
    return [Suggestion(name, name) for name in names]
