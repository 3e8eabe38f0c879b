"""Fetched pages kept for a day in a SQLite file of their own, beside the ledger.

Its own file rather than a table of the ledger: the cache holds other sites' pages (up to
the body cap each), which have no place in the ledger's backups, exports or web view; it
can be deleted at any time without losing anything; and its writes never contend with
the ledger's single writer. The file is created on first use, with its one table.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: A fetched address is served from the cache for this long.
DAY = 24 * 60 * 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetched (
    url TEXT PRIMARY KEY,
    final_url TEXT NOT NULL,
    status INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    body BLOB NOT NULL,
    fetched_at REAL NOT NULL
)
"""


@dataclass(frozen=True)
class CachedPage:
    """One fetched page as the cache keeps it."""

    url: str
    final_url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: float


def cache_path(db: Path) -> Path:
    """The cache file beside the ledger ``db``: ``scalebot.db`` -> ``scalebot.fetched.db``."""
    return db.with_name(f"{db.stem}.fetched.db")


class FetchCache:
    """Pages by the address asked for; expired ones are neither served nor kept."""

    def __init__(
        self, path: Path, ttl: float = DAY, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = path
        self.ttl = ttl
        self._clock = clock

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=5.0)
        connection.execute(_SCHEMA)
        return connection

    def get_now(self, url: str) -> CachedPage | None:
        """The page fetched for ``url`` within the last day, if any (blocking)."""
        with self._connect() as connection:
            row = connection.execute(
                "SELECT url, final_url, status, content_type, body, fetched_at "
                "FROM fetched WHERE url = ? AND fetched_at > ?",
                (url, self._clock() - self.ttl),
            ).fetchone()
        connection.close()
        return CachedPage(row[0], row[1], row[2], row[3], bytes(row[4]), row[5]) if row else None

    def put_now(self, page: CachedPage) -> None:
        """Keep ``page`` and drop every expired one (blocking)."""
        with self._connect() as connection:
            connection.execute(
                "DELETE FROM fetched WHERE fetched_at <= ?", (self._clock() - self.ttl,)
            )
            connection.execute(
                "INSERT OR REPLACE INTO fetched VALUES (?, ?, ?, ?, ?, ?)",
                (
                    page.url,
                    page.final_url,
                    page.status,
                    page.content_type,
                    page.body,
                    page.fetched_at,
                ),
            )
        connection.close()

    async def get(self, url: str) -> CachedPage | None:
        """:meth:`get_now` off the event loop."""
        return await asyncio.to_thread(self.get_now, url)

    async def put(self, page: CachedPage) -> None:
        """:meth:`put_now` off the event loop."""
        await asyncio.to_thread(self.put_now, page)
