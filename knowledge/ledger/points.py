"""New points: a member's submission (once per request), an import's, a starter set's.

Every new point goes through :func:`insert`: its dataset found or created by name, its
audit entry, the field's pending count, and (when it is approved at once) the dataset's
current figure in its unit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from knowledge import identity, measures
from knowledge.identity import Dataset, dataset_key
from knowledge.ledger import replay
from knowledge.ledger.fields import Fields
from knowledge.ledger.replay import RequestKeys
from knowledge.ledger.values import (
    DataPoint,
    NewPoint,
    Origin,
    Status,
    Submission,
    Submitter,
    now,
)
from knowledge.ledger.writes import Writer, audit

#: The audit log's word for a new point of each origin.
_ACTIONS = {"community": "submit", "import": "import", "curated": "seed"}


def insert(
    conn: sqlite3.Connection,
    point: NewPoint,
    status: Status,
    origin: Origin,
    who: Submitter,
    at: str,
    headline_unit: str | None,
) -> tuple[int, Dataset, bool]:
    """Store ``point``: its id, its dataset, and whether that was created for it.

    ``headline_unit`` is the unit the point's field ranks datasets by.
    """
    dataset, created = identity.find_or_create(conn, point.domain, point.dataset, at)
    reviewed = (who.user, at) if status == "approved" else (None, None)
    cursor = conn.execute(
        "INSERT INTO data_points (domain, dataset, dataset_key, dataset_id, quantity_text, "
        "quantity, unit, year, source_url, note, status, origin, submitted_by, platform, "
        "workspace, channel, submitted_at, reviewed_by, reviewed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            point.domain,
            point.dataset,
            dataset_key(point.dataset),
            dataset.id,
            point.quantity_text,
            point.quantity,
            point.unit,
            point.year,
            point.source_url,
            point.note,
            status,
            origin,
            who.user,
            who.platform,
            who.workspace,
            who.channel,
            at,
            *reviewed,
        ),
    )
    point_id = cursor.lastrowid
    assert point_id is not None
    audit(conn, at, who.user, _ACTIONS[origin], point_id, {"status": status, **vars(point)})
    pending = int(status == "pending")
    conn.execute(
        "INSERT INTO domain_counts (domain, pending) VALUES (?, ?) "
        "ON CONFLICT (domain) DO UPDATE SET pending = pending + excluded.pending",
        (point.domain, pending),
    )
    if not pending:
        measures.refresh(conn, dataset.id, point.unit, headline_unit)
    return point_id, dataset, created


class Points:
    """Stores new points: submissions, imports, batches."""

    def __init__(self, writer: Writer, fields: Fields, keys: RequestKeys) -> None:
        self._writer = writer
        self._fields = fields
        self._keys = keys

    def submit(self, point: NewPoint, who: Submitter) -> int:
        """Store a pending community point; returns its id once it is committed."""
        return self.submit_once(point, who).id

    def submit_once(
        self, point: NewPoint, who: Submitter, request_key: str | None = None
    ) -> Submission:
        """Store a pending community point, once per ``request_key``.

        A key seen before (within :data:`~knowledge.ledger.replay.REQUEST_KEY_RETENTION`)
        returns the point its first request stored and writes nothing. The key is looked
        up and recorded inside the write transaction that stores the point, so two
        deliveries of one request, in this process or another, store one point between
        them. A pending charge (:meth:`Writer.charging`) is paid after that look-up (a
        replay is not counted again) and before the point is written (over the limit,
        nothing is).

        The point joins the dataset its name means (found by key, never renamed by the
        new spelling), or a new dataset of that name.
        """
        at = now()
        writer = self._writer
        with writer.write() as conn:
            if request_key is not None:
                earlier = replay.earlier_submission(conn, request_key)
                if earlier is not None:
                    return earlier
            writer.spend_charge(conn)  # over the limit: nothing below is written
            headline = self._fields.headline_units.get(point.domain)
            point_id, dataset, created = insert(
                conn, point, "pending", "community", who, at, headline
            )
            if request_key is not None:
                self._keys.remember(conn, request_key, point_id, at)
        stored = DataPoint(
            point_id,
            point.domain,
            dataset.name,
            point.quantity_text,
            point.quantity,
            point.unit,
            point.year,
            point.source_url,
            point.note,
            "pending",
            "community",
            0,
            who.user,
            who.platform,
            who.workspace,
            who.channel,
            at,
            None,
            None,
            None,
            dataset.id,
            point.dataset,
        )
        return Submission(point_id, point, new_dataset=created, stored=stored)

    def add_many(
        self,
        points: Iterable[NewPoint],
        who: Submitter,
        origin: Origin = "import",
        status: Status = "approved",
    ) -> list[int]:
        """Store many points in one transaction: all of them, or none."""
        at = now()
        units = self._fields.headline_units
        with self._writer.write() as conn:
            return [
                insert(conn, p, status, origin, who, at, units.get(p.domain))[0] for p in points
            ]

    def add_in(self, conn: sqlite3.Connection, point: NewPoint, who: Submitter, at: str) -> int:
        """Store an approved imported point inside the caller's transaction (a batch of
        :mod:`knowledge.imports`): the same row, audit entry and counts as :meth:`add_many`."""
        headline = self._fields.headline(point.domain)
        return insert(conn, point, "approved", "import", who, at, headline)[0]
