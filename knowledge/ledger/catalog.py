"""Datasets by name: finding what a name means, completing names, merging two datasets.

A dataset is told apart by its key (:func:`~knowledge.identity.dataset_key`: case,
spaces and punctuation ignored) within its field; a merge makes one dataset part of
another, figures, names and history kept.
"""

from __future__ import annotations

import sqlite3

from knowledge import identity, measures
from knowledge.identity import Dataset, dataset_key
from knowledge.ledger.errors import SameDataset
from knowledge.ledger.fields import Fields
from knowledge.ledger.values import Merged, now
from knowledge.ledger.writes import Writer, audit

#: Sorts after every character a dataset key can hold: the end of a key-prefix range.
_LAST_CHARACTER = "\U0010ffff"


def _resolved(conn: sqlite3.Connection, dataset: Dataset) -> Dataset:
    """What ``dataset``'s name means now, in ``conn``'s transaction (a dataset is never
    deleted, so its name always finds it or the dataset it was merged into)."""
    found = identity.find(conn, dataset.domain, dataset.name)
    assert found is not None, f"dataset #{dataset.id} has left the ledger"
    return found


class Catalog:
    """The ledger's datasets by name, and merges of two into one."""

    def __init__(self, writer: Writer, fields: Fields) -> None:
        self._writer = writer
        self._fields = fields
        self.conn = writer.conn

    def find_dataset(self, domain: str, name: str) -> Dataset | None:
        """The dataset ``name`` means in ``domain`` (through a merge, if it was merged)."""
        return identity.find(self.conn, domain, name)

    def find_datasets(self, name: str) -> list[Dataset]:
        """The datasets ``name`` means in any domain (usually one)."""
        return identity.find_anywhere(self.conn, name)

    def look_alikes(self, domain: str, name: str) -> list[Dataset]:
        """Datasets of ``domain`` whose names look like ``name`` (a typo's candidates)."""
        return identity.look_alikes(self.conn, domain, name)

    def dataset_names(self, domain: str | None, prefix: str, limit: int = 25) -> list[str]:
        """Names of datasets with a current figure whose key starts with ``prefix``'s key.

        Matching on :func:`dataset_key` ignores case, spaces and punctuation, as the
        ledger does when it tells datasets apart, so ``objaverse x`` finds
        ``Objaverse-XL``. The key range reads an index of datasets in key order: the
        cost is the number of names returned, however large the ledger grows.
        """
        low = dataset_key(prefix)
        high = low + _LAST_CHARACTER
        if domain is None:
            rows = self.conn.execute(
                "SELECT name FROM datasets INDEXED BY idx_datasets_names "
                "WHERE key >= ? AND key < ? AND measures > 0 AND merged_into IS NULL "
                "GROUP BY key ORDER BY key LIMIT ?",
                (low, high, limit),
            )
        else:
            rows = self.conn.execute(
                "SELECT name FROM datasets INDEXED BY idx_datasets_key "
                "WHERE domain = ? AND key >= ? AND key < ? AND measures > 0 "
                "AND merged_into IS NULL ORDER BY key LIMIT ?",
                (domain, low, high, limit),
            )
        return [row[0] for row in rows]

    def merge(self, source: Dataset, target: Dataset, moderator: str) -> Merged:
        """Make ``source`` part of ``target``: its figures and its names, history kept.

        Both are found again by name inside the write transaction, so a merge committed
        since the caller looked them up (``/merge B A`` racing ``/merge A B``) is seen:
        names that now mean one dataset raise :class:`SameDataset` and nothing is written,
        never a dataset merged into itself.
        """
        at = now()
        with self._writer.write() as conn:
            source, target = _resolved(conn, source), _resolved(conn, target)
            if source.id == target.id:
                raise SameDataset(target)
            was_listed = source.measures > 0
            moved = identity.merge(conn, source, target)
            if was_listed:
                conn.execute(
                    "UPDATE domain_counts SET datasets = datasets - 1 WHERE domain = ?",
                    (source.domain,),
                )
            measures.refresh_all_units(conn, target.id, self._fields.headline(target.domain))
            audit(
                conn,
                at,
                moderator,
                "merge",
                None,
                {"from": source.name, "from_id": source.id, "into": target.name, "moved": moved},
                dataset_id=target.id,
            )
        return Merged(source, target, moved)
