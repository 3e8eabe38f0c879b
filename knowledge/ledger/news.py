"""News the ledger owes the news channels: the outbox of announcements, and digest claims.

**The outbox.** A decision that changes a field's record writes its announcement in its
own transaction (:func:`standing` before the change, :func:`enqueue_after` after it), so
a decision is never stored without its news, nor news without its decision. A sender
then :meth:`News.claim`\\ s unsent rows for a lease, posts them and marks each
:meth:`News.sent`; a sender that dies in between leaves its rows to be claimed again
when the lease ends, by it or another process. What reaches a channel twice is only a
post whose sender died after posting and before :meth:`News.sent` committed.

**What is news** (the record is :mod:`knowledge.records`'s rule, the one ``/trend``
reads: the last figure of the field's frontier in that unit, i.e. its largest current
approved dated figure):

- ``record``: an approval (a moderator's, or the Nth confirmation's) after which the
  point is its field's record in its unit, larger than the record before it. The first
  dated figure in a unit sets no record: there is nothing it beat, and a field's first
  figure in an odd unit is not news.
- ``correction``: a decision after which the field's record in the unit is smaller
  than before, or gone: a withdrawal of the record (``/reject`` of a disputed approved
  figure), or an approval of a newer, smaller figure of the record's own dataset
  (which replaces it as that dataset's current figure).

Imports, the curated seed and merges are not decisions: they write no news.

**Digests.** One row per ISO week in ``digests``: :meth:`News.claim_digest` inserts it,
so exactly one claimer per period wins, across processes.

``facts`` keys (every value a str, number or None): ``record_id``, ``dataset``,
``value``, ``quantity_text``, ``year``, ``source_url`` (the record after the decision;
all None when a correction left none) and the same six with a ``previous_`` prefix
(``previous_id`` for the id) for the record before it.
"""

from __future__ import annotations

import json
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

from knowledge import records
from knowledge.ledger import rows
from knowledge.ledger.values import DataPoint, NewsDecision, NewsItem, NewsKind, iso
from knowledge.ledger.writes import Writer

#: A digest's period: an ISO week, ``2026-W48`` (weeks 01 to 53).
PERIOD = re.compile(r"\d{4}-W(0[1-9]|[1-4]\d|5[0-3])")

#: A field's record in a unit, as :func:`records.record_now` gives it: (id, year, quantity).
Standing = tuple[int, int, float]

_COLUMNS = "id, kind, point_id, domain, unit, decision, created_at, facts"
_CLAIMABLE = (
    "SELECT id FROM news_outbox INDEXED BY idx_news_unsent WHERE sent_at IS NULL "
    "AND (claimed_at IS NULL OR claimed_at <= ?) ORDER BY id LIMIT ?"
)


def standing(conn: sqlite3.Connection, domain: str, unit: str) -> Standing | None:
    """``domain``'s record in ``unit`` now (the frontier's last figure, one seek), or None.

    Read inside a decision's transaction before it changes anything, and handed to
    :func:`enqueue_after` with the point decided.
    """
    return records.record_now(conn, domain, unit)


def counts_for_records(point: DataPoint) -> bool:
    """Whether a decision on ``point`` can move its field's record at all.

    Only dated figures count; and an undated figure never displaces a dated one as its
    dataset's current figure (:func:`knowledge.measures.newest_first` puts it last), so
    a decision on one leaves every record as it was and need not read them.
    """
    return point.year is not None


def enqueue_after(
    conn: sqlite3.Connection,
    point: DataPoint,
    before: Standing | None,
    decision: NewsDecision,
    at: str,
) -> int | None:
    """Write the news a decision on ``point`` owes, inside the decision's transaction.

    ``before`` is :func:`standing` read before the decision changed anything; the
    record now is read here. Returns the outbox row's id, or None when nothing is news
    (see the module's rule).
    """
    if not _may_move(conn, point, before, decision):
        return None
    after = standing(conn, point.domain, point.unit)
    kind: NewsKind | None = None
    if before is not None and (after is None or after[2] < before[2]):
        kind = "correction"
    elif (
        decision in ("approve", "confirmations")
        and before is not None
        and after is not None
        and after[0] == point.id != before[0]
        and after[2] > before[2]
    ):
        kind = "record"
    if kind is None:
        return None
    facts = {
        **_figure(conn, after[0] if after else None, ""),
        **_figure(conn, before[0] if before else None, "previous_"),
    }
    cursor = conn.execute(
        "INSERT INTO news_outbox (kind, point_id, domain, unit, decision, created_at, facts) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (kind, point.id, point.domain, point.unit, decision, at, json.dumps(facts, sort_keys=True)),
    )
    return cursor.lastrowid


def _may_move(
    conn: sqlite3.Connection, point: DataPoint, before: Standing | None, decision: NewsDecision
) -> bool:
    """Whether the decision can have made news, judged without reading the record again.

    With no record before, nothing is news. Otherwise a decision on a figure that was
    not the record can lower it only by replacing it as its dataset's current figure
    (an approval in the record's own dataset), and raise it only by being larger; a
    withdrawal of it can at most bring back a larger figure, which is no news. Most
    approvals are none of these, and pay one read by primary key instead of the record's.
    """
    if before is None:
        return False
    if point.id == before[0]:
        return True
    if decision not in ("approve", "confirmations"):
        return False
    if point.quantity > before[2]:
        return True
    held = conn.execute("SELECT dataset_id FROM data_points WHERE id = ?", (before[0],)).fetchone()
    return held is not None and held[0] == point.dataset_id


def _figure(conn: sqlite3.Connection, point_id: int | None, prefix: str) -> dict[str, Any]:
    """The facts of the record ``point_id`` under ``prefix`` (all None for no record)."""
    found = rows.get(conn, point_id) if point_id is not None else None
    return {
        f"{prefix}{'id' if prefix else 'record_id'}": found.id if found else None,
        f"{prefix}dataset": found.dataset if found else None,
        f"{prefix}value": found.quantity if found else None,
        f"{prefix}quantity_text": found.quantity_text if found else None,
        f"{prefix}year": found.year if found else None,
        f"{prefix}source_url": found.source_url if found else None,
    }


def stamp(moment: str) -> str:
    """``moment`` (ISO text; naive means UTC) as :func:`~knowledge.ledger.values.now`
    writes it, so stamps compare as text. Raises ValueError with an example otherwise."""
    try:
        parsed = datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        raise ValueError(
            f"{moment!r} is not an ISO time; give one like 2026-12-03T09:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return iso(parsed.astimezone(UTC))


def _before(moment: str, seconds: float) -> str:
    return iso(datetime.fromisoformat(stamp(moment)) - timedelta(seconds=seconds))


def check_period(period: str) -> str:
    """``period`` if it is an ISO week like ``2026-W48``; else ValueError with an example."""
    if not isinstance(period, str) or not PERIOD.fullmatch(period):
        raise ValueError(f"{period!r} is not an ISO week; give one like 2026-W48")
    return period


def _item(row: tuple) -> NewsItem:
    item_id, kind, point_id, domain, unit, decision, created_at, facts = row
    return NewsItem(item_id, kind, point_id, domain, unit, decision, created_at, json.loads(facts))


class News:
    """The outbox's senders' side, and the digests' claims. Claims and marks change no
    reply, so they do not move the ledger's version (the reply cache keeps its replies)."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self._conn = writer.conn

    def claim(
        self, owner: str, now: str, lease_seconds: float = 300, limit: int = 20
    ) -> list[NewsItem]:
        """Claim up to ``limit`` unsent items for ``owner``, oldest first, atomically.

        An item is claimable when nobody claimed it, or its claim is at least
        ``lease_seconds`` old (its sender died, or is stuck): so ``owner`` should name one
        process (two senders with one name would not tell their claims apart). Items
        already claimed by a live lease, whoever holds it, are left alone.
        """
        if limit < 1:
            return []
        at = stamp(now)
        expired = _before(at, lease_seconds)
        with self._writer.write(ledger=False) as conn:
            ids = [row[0] for row in conn.execute(_CLAIMABLE, (expired, limit))]
            if not ids:
                return []
            marks = ", ".join("?" * len(ids))
            conn.execute(
                f"UPDATE news_outbox SET claimed_by = ?, claimed_at = ? WHERE id IN ({marks})",
                (owner, at, *ids),
            )
            found = conn.execute(
                f"SELECT {_COLUMNS} FROM news_outbox WHERE id IN ({marks}) ORDER BY id", ids
            ).fetchall()
        return [_item(row) for row in found]

    def sent(self, item_id: int, now: str) -> None:
        """Mark item ``item_id`` sent at ``now``: no claim returns it again. Marking it a
        second time keeps the first time."""
        at = stamp(now)
        with self._writer.write(ledger=False) as conn:
            conn.execute(
                "UPDATE news_outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL",
                (at, item_id),
            )

    def pending_count(self) -> int:
        """How many items are not sent yet (claimed or not)."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM news_outbox INDEXED BY idx_news_unsent WHERE sent_at IS NULL"
        ).fetchone()
        return int(row[0])

    def get(self, item_id: int) -> NewsItem | None:
        """Item ``item_id`` as a claim would give it (sent or not), or None."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM news_outbox WHERE id = ?", (item_id,)
        ).fetchone()
        return _item(row) if row else None

    def of_point(self, point_id: int) -> list[NewsItem]:
        """Every item point ``point_id``'s decisions wrote, oldest first."""
        found = self._conn.execute(
            f"SELECT {_COLUMNS} FROM news_outbox WHERE point_id = ? ORDER BY id", (point_id,)
        ).fetchall()
        return [_item(row) for row in found]

    def claim_digest(
        self, period: str, owner: str, now: str, lease_seconds: float | None = None
    ) -> bool:
        """Claim the digest of ``period`` (``2026-W48``) for ``owner``: True for exactly
        one claimer per period, across processes.

        With ``lease_seconds``, a claim that old whose digest was never marked sent may be
        taken over (its claimer died before posting); without, a period is claimed once
        for good, so a digest is never posted twice.
        """
        check_period(period)
        at = stamp(now)
        with self._writer.write(ledger=False) as conn:
            added = conn.execute(
                "INSERT OR IGNORE INTO digests (period, claimed_by, claimed_at) VALUES (?, ?, ?)",
                (period, owner, at),
            ).rowcount
            if added:
                return True
            if lease_seconds is None:
                return False
            taken = conn.execute(
                "UPDATE digests SET claimed_by = ?, claimed_at = ? "
                "WHERE period = ? AND sent_at IS NULL AND claimed_at <= ?",
                (owner, at, period, _before(at, lease_seconds)),
            ).rowcount
            return bool(taken)

    def digest_sent(self, period: str, now: str) -> None:
        """Mark ``period``'s digest sent. Raises ValueError when nobody claimed it."""
        check_period(period)
        at = stamp(now)
        with self._writer.write(ledger=False) as conn:
            if conn.execute("SELECT 1 FROM digests WHERE period = ?", (period,)).fetchone() is None:
                raise ValueError(
                    f"the digest of {period} was never claimed: claim_digest({period!r}, ...) first"
                )
            conn.execute(
                "UPDATE digests SET sent_at = ? WHERE period = ? AND sent_at IS NULL",
                (at, period),
            )

    def last_digest(self) -> str | None:
        """The latest period any process claimed (sent or not), or None."""
        row = self._conn.execute("SELECT MAX(period) FROM digests").fetchone()
        return str(row[0]) if row and row[0] is not None else None

    def digest_sent_at(self, period: str) -> str | None:
        """When ``period``'s digest was marked sent, or None (not claimed, or not sent)."""
        row = self._conn.execute(
            "SELECT sent_at FROM digests WHERE period = ?", (check_period(period),)
        ).fetchone()
        return str(row[0]) if row and row[0] is not None else None
