"""How a point is read: the one select every read of a point goes through, and its row.

Also the few small reads that writes need inside their own transaction (a point by id,
its confirmations, a ``kb_meta`` value), so no module writes that SQL twice.
"""

from __future__ import annotations

import sqlite3
from dataclasses import fields

from knowledge.ledger.values import DataPoint

#: A point as read, with its dataset's canonical name (``dataset``) and the spelling it
#: was submitted under (``typed_name``): every read goes through this one select.
_SELECT = (
    "SELECT p.id, p.domain, COALESCE(d.name, p.dataset), p.quantity_text, p.quantity, "
    "p.unit, p.year, p.source_url, p.note, p.status, p.origin, p.is_current, "
    "p.submitted_by, p.platform, p.workspace, p.channel, p.submitted_at, p.reviewed_by, "
    "p.reviewed_at, p.review_note, p.dataset_id, p.dataset, p.disputes "
    "FROM data_points AS p {index} LEFT JOIN datasets AS d ON d.id = p.dataset_id"
)
#: The condition of a dataset's current figure (approved, and the newest in its unit).
CURRENT = "p.status = 'approved' AND p.is_current = 1"


def select(index: str | None = None) -> str:
    """The point select, reading ``data_points`` through ``index`` if one is named."""
    return _SELECT.format(index=f"INDEXED BY {index}" if index else "")


#: A point by its id.
BY_ID = f"{select()} WHERE p.id = ?"

#: DataPoint's fields in declaration order: the order of the select's columns.
_POINT_FIELDS = tuple(field.name for field in fields(DataPoint))


def point(row: tuple) -> DataPoint:
    """A row of the select as a DataPoint, without the frozen dataclass's ``__init__``.

    That ``__init__`` sets each of the 23 fields through ``object.__setattr__``: 4 µs a
    point, 28 of them for one page of ``/datasets``. Filling the instance's dict from the
    row gives the same object (equal, hashable, frozen) in under half the time; the
    select names every field, so no default is ever needed.
    """
    found = object.__new__(DataPoint)
    found.__dict__.update(zip(_POINT_FIELDS, row, strict=True))
    return found


def get(conn: sqlite3.Connection, point_id: int) -> DataPoint | None:
    """Point ``point_id`` as a read gives it, or None."""
    row = conn.execute(BY_ID, (point_id,)).fetchone()
    return point(row) if row else None


def confirmations(conn: sqlite3.Connection, point_id: int) -> int:
    """How many members confirmed point ``point_id``."""
    row = conn.execute("SELECT COUNT(*) FROM confirmations WHERE point_id = ?", (point_id,))
    return int(row.fetchone()[0])


def meta(conn: sqlite3.Connection, key: str) -> str | None:
    """A value the store keeps about itself (``kb_meta``): fingerprints, editions."""
    row = conn.execute("SELECT value FROM kb_meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Keep ``value`` under ``key`` in ``kb_meta``, inside ``conn``'s transaction."""
    conn.execute("INSERT OR REPLACE INTO kb_meta (key, value) VALUES (?, ?)", (key, value))
