"""What one query on the web view may cost: bounded values and bounded results.

Datasette's time limit interrupts SQLite between steps of a query, and one step can
be huge: ``select zeroblob(200000000)`` is a single call that makes a 200 MB value,
which Python then copies and Datasette renders (6 GB and 15 s, while every other page
waited). With ``SCALEBOT_WEB_ALLOW_SQL=1`` anyone may send that. So every connection
the web view opens on the ledger gets two caps:

- **a value** is at most :data:`MAX_VALUE_BYTES` (SQLite's ``SQLITE_LIMIT_LENGTH``):
  SQLite refuses to make a larger string or blob, at once, before any memory is spent.
  The ledger's longest value is a 500-character note, so no page of ours comes near it;
- **a result** is at most :data:`MAX_RESULT_CHARS` characters of text and bytes of blob
  in all, counted as rows are fetched (Datasette fetches at most 1,001 rows, but a row
  may hold many capped values). A page of 1,000 figures is about 300,000.

A query over either cap fails with a message naming the cap, which Datasette shows as
a 400 page; :func:`explain` words SQLite's own refusals so a visitor knows what to
change. The caps cost one Python call per row fetched (Datasette already makes one per
text value, to decode it).
"""

from __future__ import annotations

import re
import sqlite3
import weakref
from typing import Any

#: The largest string or blob a web view query may make or read, in bytes.
MAX_VALUE_BYTES = 1_000_000
#: The most text (characters) and blob (bytes) one query may return, all rows together.
MAX_RESULT_CHARS = 16_000_000


class ResultTooLarge(sqlite3.DataError):
    """A query's rows hold more than :data:`MAX_RESULT_CHARS` in all."""


class RowBudget:
    """A row factory that counts what one statement has returned and stops it at the cap.

    Each statement runs on a cursor of its own (Datasette's ``execute`` and ours make
    one per statement), so the count starts again with each new cursor. Rows are
    :class:`sqlite3.Row`, as Datasette makes them.
    """

    def __init__(self, limit: int = MAX_RESULT_CHARS) -> None:
        self.limit = limit
        self._cursor: weakref.ReferenceType[sqlite3.Cursor] | None = None
        self._spent = 0

    def __call__(self, cursor: sqlite3.Cursor, values: tuple[Any, ...]) -> sqlite3.Row:
        if self._cursor is None or self._cursor() is not cursor:
            self._cursor = weakref.ref(cursor)
            self._spent = 0
        spent = self._spent
        for value in values:
            if isinstance(value, str | bytes):
                spent += len(value)
        if spent > self.limit:
            raise ResultTooLarge(
                f"result too large: a query on the web view may return at most "
                f"{self.limit:,} characters in all; ask for fewer rows (LIMIT 100) or "
                "shorter values (substr(note, 1, 200), length(note))"
            )
        self._spent = spent
        return sqlite3.Row(cursor, values)


def cap(conn: sqlite3.Connection) -> None:
    """Put both caps on ``conn`` (after Datasette has set up its row factory)."""
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    conn.row_factory = RowBudget()


_PRAGMA_FUNCTION = re.compile(r"\bpragma_\w+", re.IGNORECASE)


def explain(error: sqlite3.DatabaseError, sql: str) -> sqlite3.DatabaseError | None:
    """``error`` worded for a visitor when it is one of the web view's refusals, else None.

    SQLite says "string or blob too big" or "access to pragma_database_list.seq is
    prohibited" and no more; the visitor reads this on the query page (Datasette shows
    the message with a 400).
    """
    message = str(error)
    if message == "string or blob too big":
        return sqlite3.DataError(
            f"string or blob too big: a value on the web view is at most "
            f"{MAX_VALUE_BYTES:,} bytes; ask for part of it (substr(note, 1, 200)) or "
            "its size (length(note))"
        )
    pragma = _PRAGMA_FUNCTION.search(message) or _PRAGMA_FUNCTION.search(sql)
    if pragma is not None and ("prohibited" in message or message == "not authorized"):
        return sqlite3.DatabaseError(
            f"not authorized: pragma functions such as {pragma.group(0)} describe the "
            "server, not the ledger, and the web view does not run them; the tables and "
            "their columns are listed at /ledger"
        )
    return None
