"""The moderators' queue: pending points, disputed figures, and what weighs on each."""

from __future__ import annotations

import sqlite3

from knowledge.ledger import rows
from knowledge.ledger.rows import point, select
from knowledge.ledger.values import DataPoint, Flag

_PENDING = f"{select('idx_pending_queue')} WHERE p.status = 'pending' ORDER BY p.id LIMIT ?"
_DISPUTED = (
    f"{select('idx_disputed')} WHERE p.disputes > 0 AND p.status = 'approved' ORDER BY p.id LIMIT ?"
)


class Queue:
    """What waits for a moderator's decision."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def pending(self, limit: int = 10) -> list[DataPoint]:
        """The review queue, oldest first."""
        return [point(row) for row in self.conn.execute(_PENDING, (limit,)).fetchall()]

    def disputed(self, limit: int = 10) -> list[DataPoint]:
        """Approved figures with open disputes, oldest first: the queue's other half."""
        return [point(row) for row in self.conn.execute(_DISPUTED, (limit,)).fetchall()]

    def disputed_total(self) -> int:
        row = self.conn.execute(
            "SELECT COUNT(*) FROM data_points INDEXED BY idx_disputed "
            "WHERE disputes > 0 AND status = 'approved'"
        ).fetchone()
        return int(row[0])

    def pending_total(self) -> int:
        row = self.conn.execute("SELECT COALESCE(SUM(pending), 0) FROM domain_counts").fetchone()
        return int(row[0])

    def confirmations(self, point_id: int) -> int:
        """How many members confirmed point ``point_id``."""
        return rows.confirmations(self.conn, point_id)

    def open_flags(self, point_id: int, limit: int = 10) -> list[Flag]:
        """A point's open disputes, oldest first: what a moderator weighs before deciding."""
        found = self.conn.execute(
            "SELECT user, reason, at FROM flags INDEXED BY idx_open_flags "
            "WHERE point_id = ? AND cleared_at IS NULL ORDER BY id LIMIT ?",
            (point_id, limit),
        ).fetchall()
        return [Flag(*row) for row in found]
