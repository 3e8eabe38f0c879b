"""Which dataset a name means: one canonical name per dataset of a domain.

People spell a dataset many ways ("Objaverse XL", "objaverse-xl"); all that differ only
in case, spaces and punctuation share a key and are one dataset, whose canonical name
(the first spelling it was approved under) a later spelling never replaces. A close but
different name ("Objavers-XL") is a new dataset, offered as a *possible duplicate* so a
moderator can ``/merge`` it; a merged dataset keeps pointing at the one it joined, so
its spelling keeps finding it.

Functions over an open connection: the store calls them inside its transactions.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from rapidfuzz import fuzz

#: How many names on each side of a new key, in key order, are compared with it. Typos
#: keep a name's start, so its neighbours in key order are where a twin would sit.
NEIGHBOURS = 8
#: rapidfuzz ratio (0-100) from which two names look like one dataset misspelt.
DUPLICATE_SCORE = 85.0


def dataset_key(name: str) -> str:
    """Names that differ only in case, spaces or punctuation are the same dataset."""
    return re.sub(r"[\W_]+", "", name.casefold())


@dataclass(frozen=True)
class Dataset:
    """A dataset of a domain: its id, canonical name and how many current measures."""

    id: int
    domain: str
    name: str
    measures: int = 0

    @property
    def key(self) -> str:
        return dataset_key(self.name)


def find(conn: sqlite3.Connection, domain: str, name: str) -> Dataset | None:
    """The dataset ``name`` means in ``domain`` (through a merge, if it was merged)."""
    row = conn.execute(
        "SELECT COALESCE(t.id, d.id), d.domain, COALESCE(t.name, d.name), "
        "COALESCE(t.measures, d.measures) FROM datasets AS d "
        "LEFT JOIN datasets AS t ON t.id = d.merged_into "
        "WHERE d.domain = ? AND d.key = ?",
        (domain, dataset_key(name)),
    ).fetchone()
    return Dataset(*row) if row else None


def find_anywhere(conn: sqlite3.Connection, name: str) -> list[Dataset]:
    """Every domain's dataset ``name`` means (usually one), for commands given no domain."""
    rows = conn.execute(
        "SELECT COALESCE(t.id, d.id), d.domain, COALESCE(t.name, d.name), "
        "COALESCE(t.measures, d.measures) FROM datasets AS d INDEXED BY idx_datasets_by_key "
        "LEFT JOIN datasets AS t ON t.id = d.merged_into WHERE d.key = ? ORDER BY d.domain",
        (dataset_key(name),),
    ).fetchall()
    return [Dataset(*row) for row in rows]


def get(conn: sqlite3.Connection, dataset_id: int) -> Dataset | None:
    row = conn.execute(
        "SELECT id, domain, name, measures FROM datasets WHERE id = ?", (dataset_id,)
    ).fetchone()
    return Dataset(*row) if row else None


def find_or_create(
    conn: sqlite3.Connection, domain: str, name: str, at: str
) -> tuple[Dataset, bool]:
    """The dataset ``name`` means, created (with that spelling as its name) if new, and
    whether it was created: a reply about a new dataset then needs no count to say so."""
    found = find(conn, domain, name)
    if found is not None:
        return found, False
    cursor = conn.execute(
        "INSERT INTO datasets (domain, name, key, created_at) VALUES (?, ?, ?, ?)",
        (domain, name, dataset_key(name), at),
    )
    assert cursor.lastrowid is not None
    return Dataset(cursor.lastrowid, domain, name), True


def look_alikes(conn: sqlite3.Connection, domain: str, name: str) -> list[Dataset]:
    """Other datasets of ``domain`` whose names look like ``name`` misspelt, best first.

    Compares only the key's neighbours in key order (a dozen each side), so the cost is
    flat however many datasets the domain holds; merged-away names are not offered.
    """
    key = dataset_key(name)
    select = "SELECT key, id, domain, name, measures FROM datasets WHERE domain = ? AND key "
    rows = conn.execute(
        select + "< ? AND merged_into IS NULL ORDER BY key DESC LIMIT ?", (domain, key, NEIGHBOURS)
    ).fetchall()
    rows += conn.execute(
        select + "> ? AND merged_into IS NULL ORDER BY key LIMIT ?", (domain, key, NEIGHBOURS)
    ).fetchall()
    scored = []
    for neighbour, *dataset in rows:
        score = fuzz.ratio(key, neighbour, score_cutoff=DUPLICATE_SCORE)
        if score:
            scored.append((score, Dataset(*dataset)))
    return [dataset for _, dataset in sorted(scored, key=lambda pair: -pair[0])]


def merge(conn: sqlite3.Connection, source: Dataset, target: Dataset) -> int:
    """Move every point of ``source`` to ``target``; ``source``'s names then mean it.

    Returns how many points moved. Datasets merged into ``source`` earlier follow it, so
    no name ever needs two hops.
    """
    moved = conn.execute(
        "UPDATE data_points SET dataset_id = ? WHERE dataset_id = ?", (target.id, source.id)
    ).rowcount
    conn.execute(
        "UPDATE datasets SET merged_into = ?, measures = 0, rank = NULL "
        "WHERE id = ? OR merged_into = ?",
        (target.id, source.id, source.id),
    )
    return moved
