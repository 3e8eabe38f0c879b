"""Fields moderators add beside the essay's: kept in the ledger, read back at every start.

A community field is a row of ``domains`` (its slug, name, unit and colour, who added it
and when) and one row of ``domain_names`` per name it answers to, by the same key the
library compares names with. The key is the table's primary key, so two processes that
add fields at once cannot give one name to both; the essay's names are in its files, and
the library refuses those before anything is written.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable

from knowledge.models import CommunityDomain, name_key

#: Colours for community fields, told apart from the essay's six and from each other on
#: a white chart; after these run out they are used again.
PALETTE = (
    "#d6336c",
    "#2b8a3e",
    "#1098ad",
    "#b08900",
    "#862e9c",
    "#5c940d",
    "#0b7285",
    "#a61e4d",
)


class NameInUse(Exception):
    """Another community field took one of these names first (in another process)."""

    def __init__(self, name: str, owner: str) -> None:
        super().__init__(f"{name!r} is already a name of {owner!r}")
        self.name = name
        self.owner = owner


def pick_colour(used: Iterable[str]) -> str:
    """The first palette colour no field uses yet (by count once all are taken)."""
    taken = [colour.casefold() for colour in used]
    return min(PALETTE, key=lambda colour: (taken.count(colour.casefold()), PALETTE.index(colour)))


def load(conn: sqlite3.Connection) -> list[CommunityDomain]:
    """Every community field, in the order they were added."""
    rows = conn.execute(
        "SELECT slug, name, aliases, headline_unit, colour, added_by, added_at "
        "FROM domains ORDER BY rowid"
    ).fetchall()
    return [
        CommunityDomain(
            slug=slug,
            name=name,
            aliases=json.loads(aliases),
            headline_unit=unit,
            colour=colour,
            added_by=added_by,
            added_at=added_at,
        )
        for slug, name, aliases, unit, colour, added_by, added_at in rows
    ]


def signature(conn: sqlite3.Connection) -> tuple[int, int]:
    """How many community fields there are and the newest one's row: changes with an add."""
    row = conn.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM domains").fetchone()
    return int(row[0]), int(row[1])


def insert(conn: sqlite3.Connection, domain: CommunityDomain) -> None:
    """Store ``domain`` and its names inside the caller's transaction.

    A name another community field holds raises :class:`NameInUse`, and the caller's
    transaction rolls the field back with it.
    """
    keys: dict[str, str] = {}
    for name in (domain.slug, domain.name, *domain.aliases):
        keys.setdefault(name_key(name), name)
    for key, name in keys.items():
        owner = conn.execute("SELECT slug FROM domain_names WHERE key = ?", (key,)).fetchone()
        if owner is not None:
            raise NameInUse(name, owner[0])
    conn.execute(
        "INSERT INTO domains (slug, name, aliases, headline_unit, colour, added_by, added_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            domain.slug,
            domain.name,
            json.dumps(domain.aliases),
            domain.headline_unit,
            domain.colour,
            domain.added_by,
            domain.added_at,
        ),
    )
    conn.executemany(
        "INSERT INTO domain_names (key, slug) VALUES (?, ?)", [(key, domain.slug) for key in keys]
    )
