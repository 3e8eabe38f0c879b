"""The SQLite store: the community ledger of data points, its audit log, and the claims index.

A thin facade: :class:`Store` opens the file and owns the connection; each part of the
ledger is a module of :mod:`knowledge.ledger` with one job, reached as an attribute
(``store.points.submit(...)``, ``store.reviews.review(...)``, ``store.reads.largest(...)``).

One file per deployment, opened by every process (bot, CLI, a second bot) at once.
Opening an up-to-date file only reads, so a command answers while another process holds
a long write (an import). When SQLite cannot store a write, the write raises a
:class:`~knowledge.ledger.faults.StorageFault` naming the cause rather than a raw
``sqlite3`` error.

Reads on a command's hot path are plain parameterized SQL against the partial indexes
created in :mod:`knowledge.migrations`; sqlite-utils does the schema, migrations,
full-text index and bulk work.
"""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from knowledge.ledger import opening, rows
from knowledge.ledger.catalog import Catalog
from knowledge.ledger.checks import Checks
from knowledge.ledger.curated import Curated
from knowledge.ledger.faults import LedgerUnavailable, read_only_reason
from knowledge.ledger.fields import Fields
from knowledge.ledger.history import History
from knowledge.ledger.limits import RateCounts
from knowledge.ledger.news import News
from knowledge.ledger.points import Points
from knowledge.ledger.queue import Queue
from knowledge.ledger.reads import Reads
from knowledge.ledger.replay import RequestKeys
from knowledge.ledger.reviews import Reviews
from knowledge.ledger.search import Search
from knowledge.ledger.version import Memo
from knowledge.ledger.vouches import Vouches
from knowledge.ledger.writes import Writer, audit
from knowledge.migrations import migrations
from knowledge.rates import Charge


class Store:
    """The ledger of one file: its connection, and its parts; one per process, not thread-safe.

    ``read_only`` is None, or why SQLite cannot write the file: reads answer, and every
    write raises :class:`~knowledge.ledger.faults.LedgerReadOnly`.
    """

    def __init__(
        self,
        db: Database,
        path: str,
        *,
        read_only: str | None = None,
        database: str | None = None,
    ) -> None:
        self.db = db
        self.conn = db.conn
        self.path = path
        self.read_only = read_only
        #: What :func:`sqlite3.connect` was given: the path, or a read-only URI.
        self._database = database or path
        self.writes = Writer(self.conn, path, read_only, opening.BUSY_TIMEOUT_MS)
        self.memo = Memo(self.conn, self.writes)
        keys = RequestKeys()
        self.fields = Fields(self.writes)
        self.points = Points(self.writes, self.fields, keys)
        self.reviews = Reviews(self.writes, self.fields)
        self.vouches = Vouches(self.writes, self.fields, keys)
        self.catalog = Catalog(self.writes, self.fields)
        self.curated = Curated(self.writes, self.fields)
        self.reads = Reads(self.conn, self.fields, self.memo)
        self.queue = Queue(self.conn)
        self.history = History(self.conn)
        self.search = Search(self.writes)
        self.rates = RateCounts(self.writes)
        self.checks = Checks(self.writes)
        self.news = News(self.writes)

    @classmethod
    def open(cls, path: str | Path) -> Store:
        """Open the database at ``path``, creating or migrating it only when it needs that.

        An up-to-date file is opened with plain reads and never waits for the write lock,
        so a command answers while another process holds a long write. A file SQLite
        cannot write is opened read-only if its schema is current (else
        :class:`~knowledge.ledger.faults.LedgerUnavailable`).
        """
        target = str(path)
        if target == ":memory:":
            store = cls(Database(opening.connect(target)), target)
            store.migrate()
            return store
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        reason = read_only_reason(target)
        if reason is not None:
            return cls._open_read_only(target, reason)
        store = cls(Database(opening.connect(target)), target)
        try:
            store._catch_up()
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _open_read_only(cls, target: str, reason: str) -> Store:
        """A store that reads a file SQLite cannot write, if that file needs no migration."""
        database = opening.read_only_uri(target, reason)
        store = cls(
            Database(opening.connect(database, uri=True)),
            target,
            read_only=reason,
            database=database,
        )
        behind = [m.name for m in migrations.pending(store.db)]
        if behind:
            store.close()
            raise LedgerUnavailable(
                f"this version must migrate its schema ({', '.join(behind)}), "
                f"which is a write, and {reason}",
                target,
            )
        return store

    def _catch_up(self) -> None:
        """Bring the file to WAL mode and the current schema, taking the lock only if behind.

        Both checks are plain reads; each change re-checks under the lock, because another
        process may have made it in the meantime.
        """
        with self.writes.faults():
            if self.db.journal_mode != "wal":
                opening.enable_wal(self.db, self.writes.busy_timeout_ms)
            self.conn.execute("PRAGMA synchronous = NORMAL")
        if migrations.pending(self.db):
            self.migrate()

    def connect_again(self) -> sqlite3.Connection:
        """Another connection to this file, opened as this one was (read-only, say)."""
        return opening.connect(self._database, uri=self._database != self.path)

    def close(self) -> None:
        self.db.close()

    def write(self, *, ledger: bool = True) -> AbstractContextManager[sqlite3.Connection]:
        """One write transaction (:meth:`Writer.write`): all of it is stored, or none."""
        return self.writes.write(ledger=ledger)

    def charging(self, charge: Charge | None) -> AbstractContextManager[None]:
        """While inside, the first write that changes the ledger counts ``charge``
        (:meth:`Writer.charging`)."""
        return self.writes.charging(charge)

    def audit_entry(
        self,
        conn: sqlite3.Connection,
        at: str,
        actor: str,
        action: str,
        details: dict[str, Any],
        point_id: int | None = None,
    ) -> None:
        """Record an action in the audit log inside the caller's transaction."""
        audit(conn, at, actor, action, point_id, details)

    def migrate(self) -> None:
        """Apply pending migrations; under the lock, so each runs once however many race."""
        with self.write():
            migrations.apply(self.db)

    def schema_version(self) -> list[str]:
        return [m.name for m in migrations.applied(self.db)]

    def meta(self, key: str) -> str | None:
        """A value the store keeps about itself: the claims' fingerprint, the curated edition."""
        return rows.meta(self.conn, key)

    def backup(self, target: str | Path) -> None:
        """Copy the live database with SQLite's online backup (safe while bots write)."""
        destination = sqlite3.connect(str(target))
        try:
            self.conn.backup(destination)
        finally:
            destination.close()
