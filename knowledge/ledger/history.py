"""A dataset's history and a point's: every figure in order, what came before one, who
else cites its source, and the audit log of what was done to it."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from knowledge.ledger.rows import point, select
from knowledge.ledger.values import AuditEntry, DataPoint

_FIGURES = (
    f"{select('idx_points_by_dataset')} WHERE p.dataset_id = ? "
    "ORDER BY p.unit, p.year NULLS FIRST, p.id LIMIT ? OFFSET ?"
)
_BEFORE = (
    f"{select('idx_points_by_dataset')} WHERE p.dataset_id = ? AND p.unit = ? "
    "AND p.status = 'approved' AND "
)
_CITED_BY = (
    f"{select('idx_points_by_source')} WHERE p.source_url = ? AND p.id != ? "
    "AND p.dataset_id IS NOT ? ORDER BY p.id LIMIT 1"
)


class History:
    """The past of datasets and points."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def figures(self, dataset_id: int, limit: int = 1000, offset: int = 0) -> list[DataPoint]:
        """Every figure of a dataset, unit by unit, oldest first (by year, then submission)."""
        rows = self.conn.execute(_FIGURES, (dataset_id, limit, offset)).fetchall()
        return [point(row) for row in rows]

    def size(self, dataset_id: int) -> int:
        """How many figures a dataset's history holds."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM data_points INDEXED BY idx_points_by_dataset "
            "WHERE dataset_id = ?",
            (dataset_id,),
        ).fetchone()
        return int(row[0])

    def approved_before(self, figure: DataPoint) -> DataPoint | None:
        """The approved figure of the same dataset and unit just before ``figure`` (history
        order): what its change factor is measured against.

        History order is the index's (undated first, then by year, then by id), so
        "before" is up to three seeks backwards: the same year's earlier ids, earlier
        years, then the undated. One query with the three joined by ``OR`` cannot seek:
        it walked a 1,000-figure dataset's whole unit for its oldest figure (160 µs).
        """
        same = (figure.dataset_id, figure.unit)
        steps: list[tuple[str, tuple[Any, ...]]] = []
        if figure.year is not None:
            steps += [
                ("p.year = ? AND p.id < ? ORDER BY p.id DESC", (figure.year, figure.id)),
                ("p.year < ? ORDER BY p.year DESC, p.id DESC", (figure.year,)),
                ("p.year IS NULL ORDER BY p.id DESC", ()),
            ]
        else:  # undated figures come first, in the order they came
            steps.append(("p.year IS NULL AND p.id < ? ORDER BY p.id DESC", (figure.id,)))
        for condition, values in steps:
            row = self.conn.execute(f"{_BEFORE}{condition} LIMIT 1", (*same, *values)).fetchone()
            if row is not None:
                return point(row)
        return None

    def cited_by(self, figure: DataPoint) -> DataPoint | None:
        """The earliest point of another dataset with the same source link, if any.

        A dataset's own paper states all its measures (InternVid's gives hours and
        clips), so citing it again for the same dataset is expected; a link already
        cited for a different dataset is what looks like a pasted wrong source.
        """
        row = self.conn.execute(
            _CITED_BY, (figure.source_url, figure.id, figure.dataset_id)
        ).fetchone()
        return point(row) if row else None

    def audit_log(self, point_id: int) -> list[AuditEntry]:
        """What was done to point ``point_id``, oldest first."""
        rows = self.conn.execute(
            "SELECT id, at, actor, action, data_point_id, details FROM audit_log "
            "WHERE data_point_id = ? ORDER BY id",
            (point_id,),
        ).fetchall()
        return [
            AuditEntry(row[0], row[1], row[2], row[3], row[4], json.loads(row[5])) for row in rows
        ]
