"""Rate-limit counts in SQLite: how many of a kind of request a user made in a window.

One row per (user, scope, window start) in ``rate_counts`` (migration 0006). Every
function takes the connection of a transaction its caller owns: a submission's count is
checked and raised in the very transaction that stores the submission, so two
processes can never both take the last one; a command count is added in batches by
:mod:`bot.limiter`. Rows outlive their window only until the next sweep.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

#: Seconds between two deletions of ended windows' rows (each a range of an index).
SWEEP_SECONDS = 3600.0

_INSERT = "INSERT INTO rate_counts (user, scope, window_start, count, expires)"
_ON_CONFLICT = "ON CONFLICT (user, scope, window_start)"


@dataclass(frozen=True)
class Charge:
    """One request a write transaction must count against ``user``'s allowance.

    ``window`` and ``expires`` are UTC epoch seconds: when the window starts and ends.
    """

    user: str
    scope: str
    window: int
    expires: int
    limit: int


class OverLimit(Exception):
    """The user has used the window's allowance; nothing was written."""

    def __init__(self, charge: Charge) -> None:
        super().__init__(f"{charge.user} has made {charge.limit} {charge.scope} this window")
        self.charge = charge


def spend(conn: sqlite3.Connection, charge: Charge) -> int:
    """Count one more request, or raise :class:`OverLimit` if the window is used up.

    One statement reads and raises the count (the update's ``WHERE`` refuses it when the
    limit is reached, and then no row comes back), inside the caller's write
    transaction. Returns the count including this one.
    """
    row = conn.execute(
        f"{_INSERT} VALUES (?, ?, ?, 1, ?) {_ON_CONFLICT} "
        "DO UPDATE SET count = count + 1 WHERE count < ? RETURNING count",
        (charge.user, charge.scope, charge.window, charge.expires, charge.limit),
    ).fetchone()
    if row is None:
        raise OverLimit(charge)
    return int(row[0])


def add(
    conn: sqlite3.Connection, user: str, scope: str, window: int, expires: int, count: int
) -> int:
    """Add ``count`` requests already admitted; returns the window's total, everyone's."""
    row = conn.execute(
        f"{_INSERT} VALUES (?, ?, ?, ?, ?) {_ON_CONFLICT} "
        "DO UPDATE SET count = count + excluded.count RETURNING count",
        (user, scope, window, count, expires),
    ).fetchone()
    return int(row[0])


def count(conn: sqlite3.Connection, user: str, scope: str, window: int) -> int:
    """The requests counted so far in a window (0 when none were)."""
    row = conn.execute(
        "SELECT count FROM rate_counts WHERE user = ? AND scope = ? AND window_start = ?",
        (user, scope, window),
    ).fetchone()
    return int(row[0]) if row else 0


def sweep(conn: sqlite3.Connection, now: float) -> None:
    """Delete the rows of windows that have ended (they can never refuse anything again)."""
    conn.execute("DELETE FROM rate_counts WHERE expires <= ?", (int(now),))


class CountReader:
    """Reads counts on a connection of its own, opened at first use, from any thread.

    The event loop reads a user's count when it first sees them in a window, and the
    store's connection belongs to the core's thread. Callers take turns (the limiter's
    lock): SQLite serialises a connection's use, it does not make it concurrent.
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        #: Opens the connection as the store opened its own (read-only, say), from any thread.
        self.connect = connect
        self._conn: sqlite3.Connection | None = None

    def count(self, user: str, scope: str, window: int) -> int:
        if self._conn is None:
            self._conn = self.connect()
        return count(self._conn, user, scope, window)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
