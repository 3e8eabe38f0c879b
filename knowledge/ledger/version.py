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

    ``writer``: the store's, whose ledger changes on this very connection
    ``data_version`` does not count; a watcher of another connection has none.
    """

    def __init__(self, conn: sqlite3.Connection, writer: Writer | None = None) -> None:
        self._conn = conn
        self._writer = writer
        #: The ``(data_version, own writes)`` pair the version row was last read at.
        self._seen: tuple[int, int] | None = None
        self._version = 0

    def read(self) -> int:
        """The ledger's version: changes with every commit that changes the ledger.

        SQLite's ``data_version`` moves when another connection commits anything, a rate
        count too; only then (or after a ledger write of our own) is ``ledger_version``
        read again, which moves only with what a reply can show. So a command's count
        never empties what :meth:`Memo.remember` keeps, nor the reply cache.
        """
        conn = self._conn
        own = 0 if self._writer is None else self._writer.writes
        seen = (int(conn.execute("PRAGMA data_version").fetchone()[0]), own)
        if seen != self._seen:
            found = conn.execute("SELECT version FROM ledger_version").fetchone()
            self._seen, self._version = seen, int(found[0])
        return self._version


class Memo(VersionReader):
    """Results kept until the ledger changes: a field's records, its charts, its units."""

    def __init__(self, conn: sqlite3.Connection, writer: Writer) -> None:
        super().__init__(conn, writer)
        self._memo: dict[Hashable, Any] = {}
        self._memo_version: int | None = None

    #: The ledger's version (:meth:`VersionReader.read`), as the core follows it.
    version = VersionReader.read

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, kept until the ledger changes: a field's records, its charts.

        Reading the version costs one pragma; anything kept from an older version is
        dropped at once, so nothing stale is ever returned. At most :data:`MEMO_SIZE`
        results are kept, the oldest going first.
        """
        version = self.read()
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
