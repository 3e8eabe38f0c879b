"""A field's record growth read from the ledger, and its charts: for chat and the CLI.

``/trend``, ``/compare`` and ``/scale`` read a field's growth here (their words are
:mod:`handlers.growth`'s), and ``scalebot chart`` draws the same PNGs as ``/trend`` and
``/compare`` without importing a handler. Which figures make the record, in which unit,
is :mod:`knowledge.records`' rule, the one the web view reads its growth record and
charts by too. Records and charts are kept by the store until the ledger changes
(:meth:`~knowledge.store.Store.remember`), so a question asked again costs a look-up,
and the first after a decision one read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot import charts
from bot.charts import Chart, Series
from knowledge import records
from knowledge.ledger.values import DataPoint
from knowledge.models import AnyDomain
from knowledge.store import Store
from knowledge.trend import Figure, Growth, NotEnoughHistory


@dataclass(frozen=True)
class FieldGrowth:
    """A field's record in one unit: the points that set it, and the rate fitted to them."""

    domain: AnyDomain
    #: None when the field has no unit yet (a community field with no approved figure).
    unit: str | None
    #: The record frontier as ledger points, oldest first (what the reply cites).
    records: tuple[DataPoint, ...]
    result: Growth | NotEnoughHistory

    @property
    def rate(self) -> Growth | None:
        return self.result if isinstance(self.result, Growth) else None

    @property
    def reason(self) -> str:
        """Why there is no rate ("" when there is one)."""
        return self.result.reason if isinstance(self.result, NotEnoughHistory) else ""

    @property
    def remedy(self) -> str:
        """What would give a rate ("" when there is one)."""
        return self.result.remedy if isinstance(self.result, NotEnoughHistory) else ""


def field_unit(store: Store, domain: AnyDomain) -> str | None:
    """The unit a field's record is read in (:func:`knowledge.records.field_unit`)."""
    if domain.headline_unit:
        return domain.headline_unit
    return store.memo.remember(
        ("unit", domain.slug), lambda: records.field_unit(store.conn, domain)
    )


def read(store: Store, domain: AnyDomain, unit: str | None = None) -> FieldGrowth:
    """The field's growth in ``unit`` (default: :func:`field_unit`), kept until a change."""
    unit = unit or field_unit(store, domain)
    if unit is None:
        return FieldGrowth(domain, None, (), records.field_growth(domain.name, None, ()))
    chosen: str = unit
    return store.memo.remember(
        ("growth", domain.slug, chosen), lambda: _read(store, domain, chosen)
    )


def _read(store: Store, domain: AnyDomain, unit: str) -> FieldGrowth:
    setting = store.reads.record_frontier(domain.slug, unit)
    figures = tuple(_figure(point) for point in setting)
    result = records.field_growth(domain.name, unit, figures)
    # The frontier is made of the very Figure objects given, so each leads back to its point.
    point_of = {id(figure): point for figure, point in zip(figures, setting, strict=True)}
    held = tuple(point_of[id(figure)] for figure in result.frontier)
    return FieldGrowth(domain, unit, held, result)


def _figure(point: DataPoint) -> Figure:
    assert point.year is not None
    return Figure(point.dataset, point.quantity, point.year)


# -- charts ----------------------------------------------------------------------------


def trend_chart(store: Store, found: FieldGrowth) -> Chart | None:
    """The field's PNG (its dots, the records, the fit); None with nothing to draw.

    The dots are read as the web view's ``/-/charts`` reads them, and drawn by the same
    function, so both are one picture (:func:`knowledge.records.dated_figures`).
    """
    if found.unit is None or not found.records:
        return None
    unit: str = found.unit

    def draw() -> Chart:
        figures = store.reads.dated_figures(found.domain.slug, unit)
        domain = found.domain
        return charts.trend_chart(
            domain.name, domain.slug, unit, figures, found.result, domain.colour
        )

    return store.memo.remember(("trend chart", found.domain.slug, unit), draw)


def compare_chart(store: Store, found: Sequence[FieldGrowth]) -> Chart:
    """Each field's record as a multiple of its first, in one PNG."""
    key = ("compare chart", tuple((entry.domain.slug, entry.unit) for entry in found))

    def draw() -> Chart:
        series = [
            Series(entry.domain.name, entry.domain.colour, entry.result, entry.unit or "")
            for entry in found
        ]
        return charts.compare_chart(series, [entry.domain.slug for entry in found])

    return store.memo.remember(key, draw)
