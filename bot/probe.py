"""The database as /health and /metrics see it: read on a connection of their own.

The core's connection belongs to the core's thread, so the probe never touches it: each
look opens the file afresh, read-only (``mode=ro``: a missing file is an error, never a
new empty ledger), reads a few indexed counts and closes. A file that vanished, was
replaced by something that is not our ledger, or cannot be opened any more fails the
probe even while the core's open connection still reads its old copy.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from knowledge.ledger import opening
from knowledge.ledger.queue import Queue
from knowledge.ledger.version import VersionReader
from knowledge.store import Store

#: Gauge name -> its help text, in the order /metrics lists them.
GAUGES = {
    "pending_figures": "Figures waiting for a moderator's decision.",
    "disputed_figures": "Approved figures with an open dispute (/flag).",
    "ledger_figures": "Figures in the ledger, every status.",
    "ledger_datasets": "Datasets with a current approved figure.",
    "news_unsent": "News outbox items (record announcements) not posted yet.",
}


class LedgerProbe:
    """Cheap reads of the ledger at ``store``'s file, safe from any thread."""

    def __init__(self, store: Store) -> None:
        self.path = store.path
        if store.read_only is not None:
            self._database = None  # opened as the store was (its read-only URI)
            self._connect = store.connect_again
        else:
            self._database = f"{Path(store.path).resolve().as_uri()}?mode=ro"
            self._connect = self._read_only
        self._lock = threading.Lock()
        #: (ledger version, figures): counting every row waits until the ledger moves.
        self._figures: tuple[int, int] | None = None

    def _read_only(self) -> sqlite3.Connection:
        assert self._database is not None
        return opening.connect(self._database, uri=True)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        if self.path == ":memory:":
            raise sqlite3.OperationalError("an in-memory ledger has no file to probe")
        conn = self._connect()
        try:
            yield conn
        finally:
            conn.close()

    def version(self) -> int:
        """The ledger's version (``SELECT`` on a fresh connection); raises if unreadable."""
        with self._connection() as conn:
            return VersionReader(conn).read()

    def gauges(self) -> dict[str, tuple[str, float]]:
        """Each of :data:`GAUGES` as (help, value): indexed counts and per-field counters."""
        with self._connection() as conn:
            queue = Queue(conn)
            datasets = conn.execute("SELECT COALESCE(SUM(datasets), 0) FROM domain_counts")
            unsent = conn.execute(
                "SELECT COUNT(*) FROM news_outbox INDEXED BY idx_news_unsent WHERE sent_at IS NULL"
            )
            values = {
                "pending_figures": queue.pending_total(),
                "disputed_figures": queue.disputed_total(),
                "ledger_figures": self._count_figures(conn),
                "ledger_datasets": int(datasets.fetchone()[0]),
                "news_unsent": int(unsent.fetchone()[0]),
            }
        return {name: (GAUGES[name], float(value)) for name, value in values.items()}

    def _count_figures(self, conn: sqlite3.Connection) -> int:
        """Every figure, counted again only when the ledger's version has moved."""
        version = VersionReader(conn).read()
        with self._lock:
            kept = self._figures
        if kept is not None and kept[0] == version:
            return kept[1]
        count = int(conn.execute("SELECT COUNT(*) FROM data_points").fetchone()[0])
        with self._lock:
            self._figures = (version, count)
        return count
