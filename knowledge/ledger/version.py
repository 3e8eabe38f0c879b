"""The ledger's version, and results kept for as long as it holds.

The version moves with every commit that changes what a reply can show (a rate count
does not move it). The store (:class:`Memo`) and the reply cache (``bot.cache``) both
read it through :class:`VersionReader`, the one place that knows how: SQLite's
``PRAGMA data_version`` first, which moves with any other connection's commit, and the
``ledger_version`` row only when that moved.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from knowledge.ledger.writes import Writer

T = TypeVar("T")

#: Results kept by :meth:`Memo.remember` for one version of the ledger (records, charts).
MEMO_SIZE = 64


class VersionReader:
    """Reads the ledger's version on one connection, the row only when it may have moved.

    ``own_writes``: ledger changes committed on this very connection, which
    ``data_version`` does not count (the store passes its own; a watcher has none).
    """

    __slots__ = ("_conn", "_seen", "_version")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        #: The ``(data_version, own writes)`` pair the version row was last read at.
        self._seen: tuple[int, int] | None = None
        self._version = 0

    def read(self, own_writes: int = 0) -> int:
        """The ledger's version: changes with every commit that changes the ledger."""
        conn = self._conn
        seen = (int(conn.execute("PRAGMA data_version").fetchone()[0]), own_writes)
        if seen != self._seen:
            found = conn.execute("SELECT version FROM ledger_version").fetchone()
            self._seen, self._version = seen, int(found[0])
        return self._version


class Memo:
    """Results kept until the ledger changes: a field's records, its charts, its units."""

    def __init__(self, conn: sqlite3.Connection, writer: Writer) -> None:
        self._reader = VersionReader(conn)
        self._writer = writer
        self._memo: dict[Hashable, Any] = {}
        self._memo_version: int | None = None

    def version(self) -> int:
        """The ledger's version: changes with every commit that changes the ledger.

        SQLite's ``data_version`` moves when another connection commits anything, a rate
        count too; only then (or after a ledger write of our own) is ``ledger_version``
        read again, which moves only with what a reply can show. So a command's count
        never empties what :meth:`remember` keeps.
        """
        return self._reader.read(self._writer.writes)

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept until the ledger changes: a field's records, its charts.

        Reading the version costs one pragma; anything kept from an older version is
        dropped at once, so nothing stale is ever returned. At most :data:`MEMO_SIZE`
        results are kept, the oldest going first.
        """
        version = self._reader.read(self._writer.writes)
        if version != self._memo_version:
            self._memo.clear()
            self._memo_version = version
        if key in self._memo:
            found: T = self._memo[key]
            return found
        value = compute()
        self._memo[key] = value
        while len(self._memo) > MEMO_SIZE:
            del self._memo[next(iter(self._memo))]
        return value
