"""The command limit on the hot path: counted in memory, written to SQLite in batches.

A commit costs tens of microseconds (milliseconds at a checkpoint) and takes the
database's one write lock; counting every read command with one would cost more than
the command itself. So each process counts a user's commands in memory and writes them
down only in batches of :attr:`~bot.limits.Limit.batch` (a tenth of the limit), reading
the window's stored count once, when it first sees the user in a window.

What that guarantees, for a limit of L per window and batches of B:

* **One process** (one bot, however many platforms it serves) is exact: it knows every
  command it admitted, and refuses the (L+1)-th.
* **A restart** is exact after a clean stop (:meth:`CommandLimiter.close` writes what is
  left); a crash forgets at most B of a user's commands in the current window.
* **N processes** serving one user at once admit at most L + (N-1)·B commands in a
  window: each process writes down every B commands, so what any process has admitted
  and the others cannot see yet is at most one batch.

The limiter is used from two threads: the core's (every command it runs) and the
adapters' event loop, which serves a cached reply without the core and asks
:meth:`CommandLimiter.quick` first. ``quick`` never writes and never waits for the
write lock; when it cannot decide without a write, it says so and the caller asks the
core's thread. A lock keeps the counts consistent between the two.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from bot.limits import Limit

log = logging.getLogger(__name__)

#: The scope command counts are stored under in ``rate_counts``.
SCOPE = "commands"

#: Reads a user's stored count for a window: ``read(user, window_start) -> count``.
Reader = Callable[[str, int], int]
#: Adds admitted counts of the window starting at ``window`` (user -> count), returns
#: the stored totals afterwards (everyone's): ``write(window, expires, counts) -> totals``.
Writer = Callable[[int, int, dict[str, int]], dict[str, int]]


class Verdict(Enum):
    ADMIT = "admit"
    REFUSE = "refuse"
    #: Cannot tell without the database's write lock: ask the core's thread.
    ASK = "ask"


class OverCommandLimit(Exception):
    """The user has used this window's allowance of commands."""

    def __init__(self, retry_at: int) -> None:
        super().__init__(f"over the command limit until {retry_at}")
        self.retry_at = retry_at


@dataclass(slots=True)
class Tally:
    """One user's commands in one window, as this process knows them."""

    window: int
    #: The stored count (every process's) when this process last read or wrote it.
    seen: int
    #: Admitted here and not written yet.
    unsaved: int = 0
    #: Admitted here and being written now. ``writing + unsaved`` is what the other
    #: processes cannot see yet: the most this one can be ahead of them.
    writing: int = 0


class CommandLimiter:
    """Counts one limit's commands per user; thread-safe, writes only through ``write``."""

    def __init__(self, limit: Limit, read: Reader, write: Writer) -> None:
        self.limit = limit
        # The limit's numbers, read on every command: plain attributes, not properties.
        self._count, self._batch, self._seconds = limit.count, limit.batch, limit.seconds
        self._read = read
        self._write = write
        self._lock = threading.Lock()
        self._tallies: dict[str, Tally] = {}
        #: Users with unwritten counts: a flush visits them, not every user of the window.
        self._dirty: set[str] = set()
        #: The newest window seen; tallies of older ones are dropped when it moves.
        self._window = 0
        #: A flush was asked for and has not started: asking again would only queue more.
        self._requested = False
        #: Called, from either thread, when a batch is full: runs :meth:`flush` on the
        #: core's thread later (the chat adapters' runner sets it). None: flush at once.
        self.defer: Callable[[], None] | None = None

    # -- deciding ------------------------------------------------------------------------

    def quick(self, user: str, now: float) -> Verdict:
        """Admit (and count) or refuse ``user`` without writing; ASK when that cannot be.

        For the event loop: it may read the stored count (a user's first command in a
        window), never write. A full batch waiting to be written is ASK.
        """
        with self._lock:
            verdict, due = self._decide(user, self._tally(user, now))
        if due:
            self._flush_soon(None)
        return verdict

    def admit(self, user: str, now: float) -> None:
        """Count ``user``'s command or raise :class:`OverCommandLimit`; the core's thread.

        A batch the event loop filled and that is not written yet is written here first
        (this thread is the only one that writes).
        """
        with self._lock:
            verdict, due = self._decide(user, self._tally(user, now))
        if verdict is Verdict.ASK:
            self.flush(now)
            with self._lock:
                verdict, due = self._decide(user, self._tally(user, now))
        if due:
            self._flush_soon(now)
        if verdict is Verdict.ADMIT:
            return
        raise OverCommandLimit(self.limit.ends(now))

    def _tally(self, user: str, now: float) -> Tally:
        """The user's tally for ``now``'s window, read from the database at first sight."""
        window = int(now // self._seconds) * self._seconds
        if window > self._window:
            self._window = window
            self._tallies = {u: t for u, t in self._tallies.items() if t.window >= window}
            self._dirty &= self._tallies.keys()  # an ended window's counts are never written
        tally = self._tallies.get(user)
        if tally is None or tally.window != window:
            tally = Tally(window, self._read(user, window))
            self._tallies[user] = tally
        return tally

    def _decide(self, user: str, tally: Tally) -> tuple[Verdict, bool]:
        """The verdict, and whether unwritten counts are now due (a full batch, or a
        refusal while some are unwritten: others must learn the user is at the limit)."""
        unseen = tally.writing + tally.unsaved
        if tally.seen + unseen >= self._count:
            verdict = Verdict.REFUSE
        elif unseen >= self._batch:
            return Verdict.ASK, False
        else:
            tally.unsaved += 1
            unseen += 1
            self._dirty.add(user)
            verdict = Verdict.ADMIT
        due = tally.unsaved > 0 and (verdict is Verdict.REFUSE or unseen >= self._batch)
        if due and self._requested:
            return verdict, False  # a flush is on its way already
        self._requested = self._requested or due
        return verdict, due

    # -- writing -------------------------------------------------------------------------

    def _flush_soon(self, now: float | None) -> None:
        """Hand the write to the core's thread if a runner set ``defer``; else write now
        when on that thread (``now`` given), or leave it to its next :meth:`admit`."""
        if self.defer is not None:
            self.defer()
        elif now is not None:
            self.flush(now)
        else:
            with self._lock:
                self._requested = False

    def flush(self, now: float) -> None:
        """Write every unwritten count of the current window in one transaction.

        The core's thread only (the store's connection is its own). Counts of ended
        windows are dropped instead: they can refuse nothing any more.
        """
        window = self.limit.window(now)
        with self._lock:
            self._requested = False
            tallies = [(user, self._tallies.get(user)) for user in self._dirty]
            self._dirty = set()
            taken = [
                (user, tally, tally.unsaved)
                for user, tally in tallies
                if tally is not None and tally.window == window and tally.unsaved
            ]
            for _, tally, count in taken:
                tally.unsaved, tally.writing = 0, tally.writing + count
        if not taken:
            return
        counts = {user: count for user, _, count in taken}
        try:
            totals = self._write(window, window + self.limit.seconds, counts)
        except BaseException:
            with self._lock:
                for user, tally, count in taken:
                    tally.writing, tally.unsaved = tally.writing - count, tally.unsaved + count
                    self._dirty.add(user)
            raise
        with self._lock:
            for user, tally, count in taken:
                tally.writing -= count
                tally.seen = max(tally.seen, totals[user])

    def close(self, now: float) -> None:
        """Write what is left, so a restart refuses whom this process would have."""
        self.defer = None
        self.flush(now)
