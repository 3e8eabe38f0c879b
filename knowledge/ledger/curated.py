"""The curated file in the ledger: a starter set loaded once, then kept to its edition.

A curated row not in the ledger yet is added as an approved "curated" point; a curated
point whose row has left the file (a corrected figure) is withdrawn, so the dataset's
previous figure in that unit is current again and its history keeps it. Community and
imported points are never touched.
"""

from __future__ import annotations

import sqlite3

from knowledge import measures
from knowledge.identity import dataset_key
from knowledge.ledger import rows
from knowledge.ledger.fields import Fields
from knowledge.ledger.points import insert
from knowledge.ledger.values import NewPoint, Submitter, now
from knowledge.ledger.writes import Writer, audit


def _curated_identity(values: tuple) -> tuple:
    """What makes a curated row the same row in two editions of the file."""
    domain, key, unit, quantity, year, source = values
    return (domain, key, unit, float(quantity), year, source)


class Curated:
    """Brings the ledger's curated points to an edition of the curated file."""

    def __init__(self, writer: Writer, fields: Fields) -> None:
        self._writer = writer
        self._fields = fields
        self.conn = writer.conn

    def seed_once(self, points: list[NewPoint], who: Submitter) -> bool:
        """Load a starter set into a ledger never seeded (once, however many race)."""
        if rows.meta(self.conn, "curated_seeded") is not None:
            return False
        return self.sync_curated(points, who, "seed") > 0

    def sync_curated(self, points: list[NewPoint], who: Submitter, edition: str) -> int:
        """Bring the ledger's curated points to this edition of the curated file.

        Runs once per edition, however many processes open the file at once; returns
        how many points it added.
        """
        units = self._fields.headline_units
        with self._writer.write() as conn:
            if rows.meta(conn, "curated_edition") == edition:
                return 0
            at = now()
            held = {
                _curated_identity(row[1:]): row[0]
                for row in conn.execute(
                    "SELECT id, domain, dataset_key, unit, quantity, year, source_url "
                    "FROM data_points WHERE origin = 'curated' AND status = 'approved'"
                )
            }
            wanted = {
                _curated_identity(
                    (p.domain, dataset_key(p.dataset), p.unit, p.quantity, p.year, p.source_url)
                ): p
                for p in points
            }
            added = 0
            for identity_key, point in wanted.items():
                if identity_key not in held:
                    insert(conn, point, "approved", "curated", who, at, units.get(point.domain))
                    added += 1
            for identity_key, point_id in held.items():
                if identity_key not in wanted:
                    self._withdraw(conn, point_id, who.user, at)
            rows.set_meta(conn, "curated_edition", edition)
            conn.execute(
                "INSERT OR IGNORE INTO kb_meta (key, value) VALUES ('curated_seeded', ?)", (at,)
            )
        return added

    def _withdraw(self, conn: sqlite3.Connection, point_id: int, who: str, at: str) -> None:
        point = rows.get(conn, point_id)
        assert point is not None
        conn.execute(
            "UPDATE data_points SET status = 'rejected', reviewed_by = ?, reviewed_at = ?, "
            "review_note = 'no longer in the curated file', is_current = 0 WHERE id = ?",
            (who, at, point_id),
        )
        if point.dataset_id is not None:
            measures.refresh(
                conn, point.dataset_id, point.unit, self._fields.headline(point.domain)
            )
        audit(conn, at, who, "withdraw", point_id, {"note": "curated file corrected"})
