"""Replies worth keeping: a pure command's answer, reused while the ledger is unchanged.

In a discussion the same few questions come back (``/scale video``, ``/compare 3d
llm``). A command declared ``pure`` answers from its options, the knowledge base, the
ledger and the surface it is shown on (``bot.commands.Surface``: platform, images, web
URL) alone, never from who asks (its handler cannot read that), so its reply, and the
platform payload drawn from it, can be served again on the same surface until the
ledger changes; the key is the question and that surface (see ``bot.runner``).

SQLite says when the ledger changes: ``PRAGMA data_version`` on a connection of our own
changes whenever any other connection (this process's core, the CLI, another bot)
commits. Reading it costs a few microseconds on the event loop, where
asking the core costs a hop to its thread and back.

Not every commit changes the ledger: the rate limits write users' command counts,
which no reply shows. So when ``data_version`` moves, the cache reads the ledger's own
version (``ledger_version``, raised by every other write in the same transaction) and
keeps its replies if that has not moved. The store reads its version the same way,
through the same :class:`~knowledge.ledger.version.VersionReader`.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.reply import Reply
from knowledge.ledger.version import VersionReader
from knowledge.store import Store

T = TypeVar("T")

#: Distinct questions kept; the least recently asked goes first.
SIZE = 512


@dataclass
class Kept:
    """One cached reply, the ledger version it was computed at, and its renderings."""

    reply: Reply
    version: int
    renders: dict[str, Any] = field(default_factory=dict)

    def render(self, platform: str, draw: Callable[[Reply], T]) -> T:
        """``draw(reply)``, once per platform for as long as the reply is kept."""
        if platform not in self.renders:
            self.renders[platform] = draw(self.reply)
        result: T = self.renders[platform]
        return result


class ReplyCache:
    """Pure commands' replies by question, valid for one version of the ledger.

    Used from one thread (the adapters' event loop). A file database only: an in-memory
    one cannot be watched from a second connection, so nothing is cached for it. Given
    the core's :class:`Store`, it watches the file as the store opened it (read-only, in
    a read-only folder, needs the same URI as the store's to be read at all).
    """

    def __init__(self, database: Store | str | Path, size: int = SIZE) -> None:
        self.size = size
        #: Replies served from the cache, and replies that had to be computed.
        self.hits = 0
        self.misses = 0
        self._kept: OrderedDict[Hashable, Kept] = OrderedDict()
        self._watch: sqlite3.Connection | None = None
        #: Reads the ledger's version on ``_watch``, as the store reads its own.
        self._reader: VersionReader | None = None
        if isinstance(database, Store):
            if database.path != ":memory:":
                self._watch = database.connect_again()
        elif str(database) != ":memory:":
            # The loop that reads it is not the thread that built us (tests, serve()).
            self._watch = sqlite3.connect(str(database), check_same_thread=False)
        if self._watch is not None:
            self._reader = VersionReader(self._watch)

    @property
    def enabled(self) -> bool:
        return self._watch is not None

    def version(self) -> int:
        """The ledger's version: changes with every commit that changes the ledger.

        ``data_version`` first (it moves with any commit, a count's too); the version
        row only when it moved.
        """
        assert self._reader is not None, "no cache without a database file"
        return self._reader.read()

    def get(self, key: Hashable, version: int) -> Kept | None:
        kept = self._kept.get(key)
        if kept is None or kept.version != version:
            self.misses += 1
            return None
        self.hits += 1
        self._kept.move_to_end(key)
        return kept

    def put(self, key: Hashable, version: int, reply: Reply) -> Kept:
        kept = Kept(reply, version)
        self._kept[key] = kept
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return kept

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
            self._watch = None
            self._reader = None
