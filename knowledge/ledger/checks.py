"""Source checks kept with their points: the latest check of each, and who waits for one.

A check is written through the ledger's write path like any decision: one transaction,
an audit entry, and the ledger's version moves, so a kept reply (``/review``, a card)
that showed the point without it, or with an older one, is not served again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from knowledge.ledger.errors import PointNotFound
from knowledge.ledger.rows import point, select
from knowledge.ledger.values import DataPoint, now
from knowledge.ledger.writes import Writer, audit
from knowledge.sourcecheck import SourceCheck

#: Who the audit log names for a check: the bot read the source, no member did.
CHECKER = "system:source-check"
#: How the figures a source states are joined in ``found`` (the web view's text).
FOUND_SEPARATOR = "; "
#: The most ids :meth:`Checks.of_points` binds in one statement (SQLite allows 32,766).
CHUNK = 500

_UNCHECKED = (
    f"{select('idx_pending_queue')} WHERE p.status = 'pending' "
    "AND NOT EXISTS (SELECT 1 FROM source_checks AS c WHERE c.point_id = p.id) "
    "ORDER BY p.id LIMIT ?"
)


def _check(data: str) -> SourceCheck:
    return SourceCheck.from_data(json.loads(data))


class Checks:
    """The latest source check of each point: recorded, read one by one or for a page."""

    def __init__(self, writer: Writer) -> None:
        self._writer = writer
        self._conn = writer.conn

    def record(self, point_id: int, check: SourceCheck) -> None:
        """Keep ``check`` as point ``point_id``'s latest, replacing any earlier one.

        Raises :class:`PointNotFound` for an id the ledger does not hold (the check of a
        point an import's undo took out is dropped, not stored against nothing).
        """
        found = FOUND_SEPARATOR.join(figure.printed for figure in check.figures)
        data = check.as_data()
        with self._writer.write() as conn:
            if (
                conn.execute("SELECT 1 FROM data_points WHERE id = ?", (point_id,)).fetchone()
                is None
            ):
                raise PointNotFound(f"there is no data point #{point_id}")
            conn.execute(
                "INSERT OR REPLACE INTO source_checks "
                "(point_id, status, checked_at, url, read_url, found, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    point_id,
                    check.status,
                    check.checked_at,
                    check.url,
                    check.read_url,
                    found,
                    json.dumps(data, sort_keys=True),
                ),
            )
            details = {"status": check.status, "url": check.url, "read_url": check.read_url}
            if check.reason:
                details["reason"] = check.reason
            audit(conn, now(), CHECKER, "check", point_id, details)

    def of(self, point_id: int) -> SourceCheck | None:
        """Point ``point_id``'s latest check, or None when its source was never checked."""
        row = self._conn.execute(
            "SELECT data FROM source_checks WHERE point_id = ?", (point_id,)
        ).fetchone()
        return _check(row[0]) if row else None

    def of_points(self, ids: Iterable[int]) -> dict[int, SourceCheck]:
        """The latest check of each of ``ids`` that has one, in one query for a page of
        points (``/review``, ``/history``); points never checked are left out.

        The ids are bound one placeholder each: for a page's twenty ids that is a third
        of the time of handing them over as one JSON array, and SQLite keeps one prepared
        statement per page size. A long list goes in chunks of :data:`CHUNK`.
        """
        wanted = sorted(set(ids))
        found: dict[int, SourceCheck] = {}
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = self._conn.execute(
                f"SELECT point_id, data FROM source_checks WHERE point_id IN ({marks})", chunk
            ).fetchall()
            found.update((int(point_id), _check(data)) for point_id, data in rows)
        return found

    def unchecked_pending(self, limit: int = 10) -> list[DataPoint]:
        """Pending points whose source was never checked, oldest first: a catch-up's work
        (points submitted while checks were off, or before the bot restarted)."""
        return [point(row) for row in self._conn.execute(_UNCHECKED, (limit,)).fetchall()]
