"""Where each point's review card was posted, so a later notice can edit it in place.

A pending point's card goes to the review channels when it is submitted; when its source
check finishes, the card is drawn again (``PointChecked``) and should replace the first
one, not pile a second card under it. The deliverers record here, per platform and point,
the channel and the message ids the card took, and look them up to edit.

A SQLite file of its own beside the ledger (``scalebot.db`` -> ``scalebot.cards.db``):
the console's one-off delivery and ``scalebot run all`` are different processes, and a
card posted by one must be editable by the other, across restarts. It is not a table of
the ledger: these are message ids on chat platforms, nothing a backup, export or the web
view should carry, and the file can be deleted at any time (the next check then posts
a new card). A ledger on ``:memory:`` keeps its cards in memory, for the process.

No platform is imported here: message ids are strings whatever the platform.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
#: Cards older than this are forgotten when a new one is recorded: a point pending for a
#: quarter of a year is not rechecked, and the file should not grow forever.
KEEP_FOR = 90 * 24 * 60 * 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    platform TEXT NOT NULL,
    point_id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    messages TEXT NOT NULL,
    posted_at REAL NOT NULL,
    PRIMARY KEY (platform, point_id)
)
"""


@dataclass(frozen=True)
class CardPlace:
    """Where one card is: its channel and its messages, in order (most cards take one)."""

    channel: str
    messages: tuple[str, ...]


def cards_path(db: Path) -> Path:
    """The card file beside the ledger ``db``: ``scalebot.db`` -> ``scalebot.cards.db``."""
    return db.with_name(f"{db.stem}.cards.db")


class CardLog:
    """Cards by (platform, point id); ``path`` None keeps them in memory.

    The ``*_now`` methods block (a few milliseconds on a local file); the async ones run
    them off the event loop. :meth:`one_at_a_time` serializes the deliveries of one
    point's cards, so an edit never races the post it edits.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._memory: dict[tuple[str, int], tuple[CardPlace, float]] = {}
        #: Per card: its lock and how many deliveries hold or wait for it.
        self._locks: dict[tuple[str, int], tuple[asyncio.Lock, int]] = {}

    @classmethod
    def beside(cls, db: Path) -> CardLog:
        """The log for the ledger ``db`` (in memory when the ledger is)."""
        return cls(None if str(db) == ":memory:" else cards_path(db))

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        connection = sqlite3.connect(self.path, timeout=5.0)
        connection.execute(_SCHEMA)
        return connection

    def where_now(self, platform: str, point_id: int) -> CardPlace | None:
        """Where the card of ``point_id`` was posted on ``platform``, if it was (blocking)."""
        if self.path is None:
            kept = self._memory.get((platform, point_id))
            return kept[0] if kept else None
        connection = self._connect()
        try:
            row = connection.execute(
                "SELECT channel, messages FROM cards WHERE platform = ? AND point_id = ?",
                (platform, point_id),
            ).fetchone()
        finally:
            connection.close()
        if row is None:
            return None
        return CardPlace(row[0], tuple(str(m) for m in json.loads(row[1])))

    def keep_now(self, platform: str, point_id: int, place: CardPlace) -> None:
        """Record ``place`` as the card of ``point_id`` on ``platform`` (blocking)."""
        now = time.time()
        if self.path is None:
            self._memory[(platform, point_id)] = (place, now)
            return
        connection = self._connect()
        try:
            with connection:
                connection.execute("DELETE FROM cards WHERE posted_at < ?", (now - KEEP_FOR,))
                connection.execute(
                    "INSERT OR REPLACE INTO cards VALUES (?, ?, ?, ?, ?)",
                    (platform, point_id, place.channel, json.dumps(place.messages), now),
                )
        finally:
            connection.close()

    async def where(self, platform: str, point_id: int) -> CardPlace | None:
        """:meth:`where_now` off the event loop; None (and a warning) when the file
        cannot be read, so the card is posted anew rather than not at all."""
        if self.path is None:
            return self.where_now(platform, point_id)
        try:
            return await asyncio.to_thread(self.where_now, platform, point_id)
        except sqlite3.Error as error:
            log.warning("could not read where the card of #%d went: %s", point_id, error)
            return None

    async def keep(self, platform: str, point_id: int, place: CardPlace) -> None:
        """:meth:`keep_now` off the event loop; a file that cannot be written is a warning
        (the card is posted; a later check posts another)."""
        if self.path is None:
            self.keep_now(platform, point_id, place)
            return
        try:
            await asyncio.to_thread(self.keep_now, platform, point_id, place)
        except sqlite3.Error as error:
            log.warning("could not record where the card of #%d went: %s", point_id, error)

    @asynccontextmanager
    async def one_at_a_time(self, platform: str, point_id: int) -> AsyncIterator[None]:
        """Hold the deliveries of this point's cards on ``platform`` one after another.

        Each notice is delivered in a task of its own, started in the order the notices
        were made; the lock is fair, so the pending card is posted (and recorded) before
        the checked one looks it up.
        """
        key = (platform, point_id)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)
