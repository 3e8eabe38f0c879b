"""Members' word on a figure: a confirmation vouches that its source states it, a flag
disputes it. Each once per member, and once per request (a replay gets its first
answer again and writes nothing)."""

from __future__ import annotations

from knowledge import measures
from knowledge.ledger import news, replay, rows
from knowledge.ledger.errors import AlreadyReviewed, AlreadyVouched, OwnPoint, PointNotFound
from knowledge.ledger.fields import Fields
from knowledge.ledger.replay import RequestKeys
from knowledge.ledger.values import AUTO_APPROVER, Confirmation, Flagging, now
from knowledge.ledger.writes import Writer, audit


class Vouches:
    """Records confirmations and flags."""

    def __init__(self, writer: Writer, fields: Fields, keys: RequestKeys) -> None:
        self._writer = writer
        self._fields = fields
        self._keys = keys

    def confirm(
        self,
        point_id: int,
        user: str,
        auto_approve_at: int = 0,
        request_key: str | None = None,
    ) -> Confirmation:
        """A member vouches that the source states the figure: once each, not for their own.

        Once per ``request_key`` as a submission is (:meth:`Points.submit_once`): a request
        seen before gets its first answer again and nothing is written.

        With ``auto_approve_at`` > 0, the confirmation that brings a pending point to that
        many is also its approval, recorded in the audit log as such, unless the point has
        an open dispute (``/flag``): a dispute is a moderator's to decide, whatever the
        count. Both are read inside this write transaction, so a flag committed a moment
        earlier, in any process, stops the approval. An approval that sets its field's
        record writes its announcement to the news outbox in the same transaction.
        """
        at, key = now(), replay.answer_key("confirm", request_key)
        with self._writer.write() as conn:
            if key is not None and (earlier := replay.earlier_answer(conn, key, Confirmation)):
                return earlier
            point = rows.get(conn, point_id)
            if point is None:
                raise PointNotFound(f"there is no data point #{point_id}")
            if point.submitted_by == user:
                raise OwnPoint(point)
            if point.status == "rejected":
                raise AlreadyReviewed(point)
            added = conn.execute(
                "INSERT OR IGNORE INTO confirmations (point_id, user, at) VALUES (?, ?, ?)",
                (point_id, user, at),
            ).rowcount
            if not added:
                raise AlreadyVouched(point)
            audit(conn, at, user, "confirm", point_id, {})
            count = rows.confirmations(conn, point_id)
            approved = False
            if (
                auto_approve_at
                and point.status == "pending"
                and not point.disputes
                and count >= auto_approve_at
            ):
                moves = news.counts_for_records(point)
                before = news.standing(conn, point.domain, point.unit) if moves else None
                conn.execute(
                    "UPDATE data_points SET status = 'approved', reviewed_by = ?, "
                    "reviewed_at = ?, review_note = ? WHERE id = ?",
                    (AUTO_APPROVER, at, f"{count} confirmations", point_id),
                )
                conn.execute(
                    "UPDATE domain_counts SET pending = pending - 1 WHERE domain = ?",
                    (point.domain,),
                )
                if point.dataset_id is not None:
                    headline = self._fields.headline(point.domain)
                    measures.refresh(conn, point.dataset_id, point.unit, headline)
                audit(conn, at, AUTO_APPROVER, "auto-approve", point_id, {"confirmations": count})
                if moves:
                    news.enqueue_after(conn, point, before, "confirmations", at)
                approved = True
            confirmed = rows.get(conn, point_id)
            assert confirmed is not None
            answer = Confirmation(confirmed, count, approved)
            if key is not None:
                self._keys.remember(conn, key, point_id, at, replay.answer_text(answer))
        return answer

    def flag(
        self, point_id: int, user: str, reason: str, request_key: str | None = None
    ) -> Flagging:
        """A member disputes a figure; an approved one shows as disputed until decided.

        Once per ``request_key``, as :meth:`confirm`: a replay after a moderator kept the
        figure gets the first answer, and files no second dispute.
        """
        at, key = now(), replay.answer_key("flag", request_key)
        with self._writer.write() as conn:
            if key is not None and (earlier := replay.earlier_answer(conn, key, Flagging)):
                return earlier
            point = rows.get(conn, point_id)
            if point is None:
                raise PointNotFound(f"there is no data point #{point_id}")
            if point.status == "rejected":
                raise AlreadyReviewed(point)
            open_already = conn.execute(
                "SELECT 1 FROM flags WHERE point_id = ? AND user = ? AND cleared_at IS NULL",
                (point_id, user),
            ).fetchone()
            if open_already:
                raise AlreadyVouched(point)
            conn.execute(
                "INSERT INTO flags (point_id, user, reason, at) VALUES (?, ?, ?, ?)",
                (point_id, user, reason, at),
            )
            conn.execute("UPDATE data_points SET disputes = disputes + 1 WHERE id = ?", (point_id,))
            audit(conn, at, user, "flag", point_id, {"reason": reason})
            flagged = rows.get(conn, point_id)
            assert flagged is not None
            answer = Flagging(flagged, flagged.disputes, reason)
            if key is not None:
                self._keys.remember(conn, key, point_id, at, replay.answer_text(answer))
        return answer
