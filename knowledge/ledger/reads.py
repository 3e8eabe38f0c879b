"""Reads of a field's figures: a point, the largest, records, chart dots, listings.

The reads on a command's hot path: plain parameterized SQL, written once per module
load, against the partial indexes created in :mod:`knowledge.migrations`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

from knowledge import measures, records
from knowledge.identity import Dataset
from knowledge.ledger.fields import Fields
from knowledge.ledger.rows import BY_ID, CURRENT, point, select
from knowledge.ledger.values import DataPoint, DatasetSort, Listed, Measure
from knowledge.ledger.version import Memo
from knowledge.trend import Figure

#: /trend draws at most this many of a field's figures in a unit as dots (the largest).
CHART_FIGURES = records.CHART_FIGURES

_LARGEST = (
    f"{select('idx_current_by_unit')} WHERE p.domain = ? AND p.unit = ? "
    f"AND {CURRENT} ORDER BY p.quantity DESC LIMIT ?"
)
_UNIT_AFTER = (
    "SELECT unit FROM data_points INDEXED BY idx_current_by_unit "
    "WHERE domain = ? AND unit > ? AND status = 'approved' AND is_current = 1 "
    "ORDER BY unit LIMIT 1"
)
_DATASETS = (
    "SELECT id, domain, name, measures FROM datasets INDEXED BY {index} "
    "WHERE domain = ? AND measures > 0 AND merged_into IS NULL "
    "ORDER BY {order} LIMIT ? OFFSET ?"
)
_DATASETS_BY: dict[str, str] = {
    "largest": _DATASETS.format(
        index="idx_datasets_by_size", order="rank DESC, latest_year DESC, latest_at DESC, id"
    ),
    "newest": _DATASETS.format(
        index="idx_datasets_by_year", order="latest_year DESC, latest_at DESC, id DESC"
    ),
}
_FIGURES = (
    "SELECT p.id, p.dataset_id, COALESCE(d.name, p.dataset), p.quantity, p.unit, "
    "p.year, p.source_url, p.disputes, p.reviewed_at "
    "FROM data_points AS p INDEXED BY idx_current_by_dataset "
    "LEFT JOIN datasets AS d ON d.id = p.dataset_id "
    "WHERE p.dataset_id IN ({marks}) AND " + CURRENT + " "
    "ORDER BY p.dataset_id, p.unit != ?, p.quantity DESC"
)
_CURRENT_IN = (
    f"{select('idx_current_by_dataset')} WHERE p.dataset_id = ? AND p.unit = ? AND {CURRENT}"
)
_NEXT_CURRENT = (
    f"{select('idx_points_by_dataset')} WHERE p.dataset_id = ? AND p.unit = ? "
    "AND p.status = 'approved' AND p.id != ? "
    f"ORDER BY {measures.newest_first('p')} LIMIT 1"
)


class Reads:
    """A field's figures as commands show them."""

    def __init__(self, conn: sqlite3.Connection, fields: Fields, memo: Memo) -> None:
        self.conn = conn
        self._fields = fields
        self._memo = memo

    def get(self, point_id: int) -> DataPoint | None:
        row = self.conn.execute(BY_ID, (point_id,)).fetchone()
        return point(row) if row else None

    def largest(self, domain: str, unit: str) -> DataPoint | None:
        """The largest current figure in ``unit`` among a domain's datasets."""
        points = self.largest_in_unit(domain, unit, 1)
        return points[0] if points else None

    def largest_in_unit(self, domain: str, unit: str, limit: int) -> list[DataPoint]:
        """The ``limit`` largest current figures of a domain's datasets in ``unit``.

        Only one unit, because sizes in different units cannot be ranked against each
        other; each dataset has at most one current figure per unit.
        """
        rows = self.conn.execute(_LARGEST, (domain, unit, limit)).fetchall()
        return [point(row) for row in rows]

    def record_frontier(self, domain: str, unit: str) -> list[DataPoint]:
        """The figures that set ``domain``'s record in ``unit``, oldest year first.

        The rule is :mod:`knowledge.records`' (the web view reads the same), read
        without reading every figure: a skip through ``idx_record_by_year``, one seek a
        year, so the cost is the number of years the field has figures in, however many
        each holds. The few records are then read whole, with their datasets' names.
        """
        chosen = [point_id for point_id, _, _ in records.record_ids(self.conn, domain, unit)]
        if not chosen:
            return []
        marks = ", ".join("?" * len(chosen))
        rows = self.conn.execute(f"{select()} WHERE p.id IN ({marks})", chosen).fetchall()
        by_id = {found.id: found for found in map(point, rows)}
        return [by_id[point_id] for point_id in chosen]

    def dated_figures(
        self, domain: str, unit: str, limit: int = CHART_FIGURES
    ) -> tuple[Figure, ...]:
        """A chart's dots of ``domain`` in ``unit``: each year's spread of sizes.

        At most ``limit``, read one seek a dot whatever the field's size
        (:func:`knowledge.records.dated_figures`, as the web view draws them).
        """
        return records.dated_figures(self.conn, domain, unit, limit)

    def units_of(self, domain: str) -> frozenset[str]:
        """The units the domain's datasets have current figures in.

        A skip through the index, one seek per unit: ``DISTINCT`` would read every
        current figure of the domain, thousands of them in a large ledger. Kept until
        the ledger changes (:meth:`Memo.remember`): ``/compare`` asks for every field's.
        """
        return self._memo.remember(("units", domain), lambda: frozenset(self._units_of(domain)))

    def _units_of(self, domain: str) -> set[str]:
        units: set[str] = set()
        after = ""
        while True:
            row = self.conn.execute(_UNIT_AFTER, (domain, after)).fetchone()
            if row is None:
                return units
            after = row[0]
            units.add(after)

    def datasets(
        self,
        domain: str,
        sort: DatasetSort = "largest",
        limit: int = 10,
        offset: int = 0,
    ) -> list[Listed]:
        """A domain's datasets with their current figures, each dataset once.

        ``largest`` ranks by the figure in the domain's headline unit (datasets without
        one after, newest first); ``newest`` by the newest year of a current figure,
        then by approval time. One index of datasets, then their figures by dataset.
        """
        query = _DATASETS_BY["largest" if sort == "largest" else "newest"]
        rows = self.conn.execute(query, (domain, limit, offset)).fetchall()
        chosen = [Dataset(*row) for row in rows]
        figures = self.figures_of([d.id for d in chosen], self._fields.headline(domain))
        return [Listed(d, figures.get(d.id, [])) for d in chosen]

    def figures_of(
        self, dataset_ids: list[int], headline_unit: str | None = None
    ) -> dict[int, list[Measure]]:
        """The current figures of each dataset, the headline unit's first, then largest."""
        if not dataset_ids:
            return {}
        marks = ", ".join("?" for _ in dataset_ids)
        rows = self.conn.execute(
            _FIGURES.format(marks=marks), (*dataset_ids, headline_unit or "")
        ).fetchall()
        found: dict[int, list[Measure]] = {}
        for row in rows:
            found.setdefault(row[1], []).append(Measure._make(row))
        return found

    def newest(self, domain: str) -> DataPoint | None:
        """The newest current figure of the domain's newest dataset."""
        listed = self.datasets(domain, "newest", limit=1)
        if not listed or not listed[0].figures:
            return None
        chosen = max(listed[0].figures, key=lambda m: (m.year or 0, m.reviewed_at or ""))
        return self.get(chosen.id)

    def current_figure(self, dataset_id: int, unit: str, *, besides: int) -> DataPoint | None:
        """The dataset's current figure in ``unit``, unless that is point ``besides``."""
        row = self.conn.execute(_CURRENT_IN, (dataset_id, unit)).fetchone()
        current = point(row) if row else None
        return current if current is not None and current.id != besides else None

    def next_current(self, figure: DataPoint) -> DataPoint | None:
        """The figure that would be current in ``figure``'s place were it withdrawn.

        The newest other approved figure of its dataset and unit, in the order
        :func:`measures.refresh` picks the current one by; None when ``figure`` is not
        current (withdrawing it changes nothing) or is the only one.
        """
        if not figure.is_current or figure.dataset_id is None:
            return None
        row = self.conn.execute(
            _NEXT_CURRENT, (figure.dataset_id, figure.unit, figure.id)
        ).fetchone()
        return point(row) if row else None

    def counts(self, domain: str) -> tuple[int, int]:
        """(pending points, datasets with a current figure) of a domain."""
        row = self.conn.execute(
            "SELECT pending, datasets FROM domain_counts WHERE domain = ?", (domain,)
        ).fetchone()
        return (row[0], row[1]) if row else (0, 0)

    def all_points(self) -> Iterator[DataPoint]:
        """Every point of the ledger, in id order (exports, checks)."""
        for row in self.conn.execute(f"{select()} ORDER BY p.id"):
            yield point(row)

    def totals(self) -> dict[str, int]:
        """How many points of each status, claims and audit entries the ledger holds."""
        counts: dict[str, int] = {}
        for status, count in self.conn.execute(
            "SELECT status, COUNT(*) FROM data_points GROUP BY status"
        ):
            counts[status] = count
        counts["claims"] = self.conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
        counts["audit entries"] = self.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
        return counts
