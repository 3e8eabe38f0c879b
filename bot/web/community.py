"""The fields moderators add, followed by the web view as the bot adds them.

``/domain add`` writes a field to the ledger's private ``domains`` table (it names the
moderator who added it), which the web view's own connections may not read. The chart
routes still need each field's name, colour and unit, so this reads them on a
connection of its own, opened read-only, and only when the table's signature says a
field was added since the last look (one cheap read a chart request).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass, field
from pathlib import Path

from knowledge import community
from knowledge.kb import Library

log = logging.getLogger(__name__)


@dataclass
class CommunityFields:
    """Reads the ledger's community fields into a library when they change."""

    path: Path
    _seen: tuple[int, int] | None = None
    _conn: sqlite3.Connection | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def follow(self, library: Library) -> None:
        """Add to ``library`` every community field it lacks; a ledger without the table
        (older than ``0007_community_domains``) or unreadable just adds none."""
        with self._lock:
            try:
                conn = self._connection()
                seen = community.signature(conn)
                if seen == self._seen:
                    return
                added = community.load(conn)
            except sqlite3.Error as error:
                log.debug("community fields not read: %s", error)
                return
            self._seen = seen
        # All at once: one index build however many fields there are.
        for domain, clash in library.add_communities(added):
            log.warning("community field %r left out: %s", domain.slug, clash)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = sqlite3.connect(
                f"{self.path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        return self._conn

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
