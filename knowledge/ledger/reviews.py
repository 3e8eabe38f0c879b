"""A moderator's decision on a point: approve or reject a pending one, keep or withdraw
a disputed one. A decision answers (and closes) the point's open disputes."""

from __future__ import annotations

import sqlite3
from typing import Literal

from knowledge import measures
from knowledge.ledger import news, rows
from knowledge.ledger.errors import AlreadyReviewed, PointNotFound
from knowledge.ledger.fields import Fields
from knowledge.ledger.values import Decision, Outcome, now
from knowledge.ledger.writes import Writer, audit


def clear_flags(conn: sqlite3.Connection, point_id: int, moderator: str, at: str) -> int:
    """Close a point's open disputes (a decision answers them); how many there were."""
    cleared = conn.execute(
        "UPDATE flags SET cleared_at = ?, cleared_by = ? WHERE point_id = ? AND cleared_at IS NULL",
        (at, moderator, point_id),
    ).rowcount
    if cleared:
        conn.execute("UPDATE data_points SET disputes = 0 WHERE id = ?", (point_id,))
    return cleared


class Reviews:
    """Records moderators' decisions."""

    def __init__(self, writer: Writer, fields: Fields) -> None:
        self._writer = writer
        self._fields = fields

    def review(
        self,
        point_id: int,
        decision: Literal["approve", "reject"],
        moderator: str,
        note: str | None,
    ) -> Decision:
        """Decide a point: approve or reject a pending one, keep or withdraw a disputed one.

        A disputed approved figure is kept (``approve``: its disputes are cleared, with the
        moderator's note) or withdrawn (``reject``: the dataset's previous figure in that
        unit is current again). Anything already decided and undisputed is final.

        An approval that sets its field's record, or a decision that lowers it, writes
        its announcement to the news outbox in this same transaction (:mod:`.news`).
        """
        at = now()
        with self._writer.write() as conn:
            point = rows.get(conn, point_id)
            if point is None:
                raise PointNotFound(f"there is no data point #{point_id}")
            outcome: Outcome
            if point.status == "approved" and point.disputes:
                outcome = "keep" if decision == "approve" else "withdraw"
            elif point.status != "pending":
                raise AlreadyReviewed(point)
            else:
                outcome = decision
            # The field's record before the decision, when it can move (see news).
            moves = outcome in ("approve", "withdraw") and news.counts_for_records(point)
            before = news.standing(conn, point.domain, point.unit) if moves else None
            if outcome != "keep":
                status = "approved" if outcome == "approve" else "rejected"
                # A withdrawn figure stops being current in its own row, so that no later
                # change to how a measure is refreshed can leave a rejected point current.
                conn.execute(
                    "UPDATE data_points SET status = ?, reviewed_by = ?, reviewed_at = ?, "
                    "review_note = ?, is_current = is_current AND ? WHERE id = ?",
                    (status, moderator, at, note, status == "approved", point_id),
                )
            if point.status == "pending":
                conn.execute(
                    "UPDATE domain_counts SET pending = pending - 1 WHERE domain = ?",
                    (point.domain,),
                )
            cleared = clear_flags(conn, point_id, moderator, at)
            if outcome in ("approve", "withdraw") and point.dataset_id is not None:
                headline = self._fields.headline(point.domain)
                measures.refresh(conn, point.dataset_id, point.unit, headline)
            audit(conn, at, moderator, outcome, point_id, {"note": note, "cleared": cleared})
            if moves:
                news.enqueue_after(
                    conn, point, before, "approve" if outcome == "approve" else "withdraw", at
                )
            decided = rows.get(conn, point_id)
        assert decided is not None
        return Decision(decided, outcome, cleared, at)
