"""How fast a field's data grows: the record frontier and its exponential fit.

The essay's template asks for data that is huge and grows almost for free. Sizes in one
unit are comparable only within that unit, but a growth rate is a pure number: ×10 a
year in tokens and ×10 a year in hours are the same pace. So, for one field and one
unit, the **record frontier** is the figures that set a new maximum, taken in order of
year; growth is the least-squares line through log10(size) against year on that
frontier. Its slope gives × per year and the doubling time; R² says how well one
steady rate describes the record.

Pure functions over plain values: no database, no platform. The store supplies the
figures; commands and charts present the result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: Fewer record points than this is not enough to call a rate. The frontier has one
#: figure a year, so three records also span the two years a rate needs.
MIN_POINTS = 3


@dataclass(frozen=True)
class Figure:
    """One approved figure: a dataset's size in a unit, in the year it was published."""

    dataset: str
    quantity: float
    year: int


@dataclass(frozen=True)
class Growth:
    """A fitted growth rate over a record frontier.

    ``per_year`` is the factor the record grows by each year (10.0 for ×10/yr);
    ``doubling_months`` how long it takes to double at that rate (``inf`` when flat).
    """

    frontier: tuple[Figure, ...]
    per_year: float
    doubling_months: float
    r2: float
    first_year: int
    last_year: int

    @property
    def points(self) -> int:
        return len(self.frontier)

    @property
    def years(self) -> int:
        return self.last_year - self.first_year

    def year_reaching(self, factor: float) -> float | None:
        """When, at this rate, the record is ``factor`` times today's (an extrapolation)."""
        if self.per_year <= 1:
            return None
        return self.last_year + math.log(factor) / math.log(self.per_year)

    def by_year(self, factor: float) -> int | None:
        """The calendar year "by" which the record is ``factor`` times today's, as said aloud.

        Records are dated by year, so the fitted moment is rounded to the nearest year,
        halves up, and never before the year after the last record: at ×100 a year, ten
        times today's record is "by next year", not "by this year".
        """
        reached = self.year_reaching(factor)
        if reached is None or not math.isfinite(reached):
            return None
        return max(self.last_year + 1, math.floor(reached + 0.5))


@dataclass(frozen=True)
class NotEnoughHistory:
    """Why no rate can be given, and what would make one possible."""

    frontier: tuple[Figure, ...]
    reason: str
    remedy: str


def frontier(figures: Iterable[Figure]) -> tuple[Figure, ...]:
    """The figures that set a new record, in order of year.

    Within one year the largest figure is the one that counts; a later figure must be
    strictly larger than every earlier one to be on the frontier.
    """
    best_by_year: dict[int, Figure] = {}
    for figure in figures:
        if figure.quantity <= 0:
            continue
        held = best_by_year.get(figure.year)
        if held is None or figure.quantity > held.quantity:
            best_by_year[figure.year] = figure
    records: list[Figure] = []
    for year in sorted(best_by_year):
        figure = best_by_year[year]
        if not records or figure.quantity > records[-1].quantity:
            records.append(figure)
    return tuple(records)


def fit(points: tuple[Figure, ...]) -> tuple[float, float, float]:
    """Least squares of log10(quantity) on year: (slope, intercept, R²)."""
    xs = [float(p.year) for p in points]
    ys = [math.log10(p.quantity) for p in points]
    n = len(points)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    residual = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    total = sum((y - mean_y) ** 2 for y in ys)
    r2 = 1.0 - residual / total if total > 0 else 1.0
    return slope, intercept, r2


def _figures(count: int, kind: str = "") -> str:
    """``1 figure``, ``2 more … figures``: the counts a reply reads aloud."""
    words = f"{count} {kind} figure" if kind else f"{count} figure"
    return words if count == 1 else words + "s"


def growth(figures: Iterable[Figure]) -> Growth | NotEnoughHistory:
    """The growth of the record over ``figures`` (one field, one unit), or why there is none."""
    records = frontier(figures)
    if len(records) < MIN_POINTS:
        missing = MIN_POINTS - len(records)
        return NotEnoughHistory(
            records,
            f"only {_figures(len(records))} set a record",
            f"{_figures(missing, 'more dated record-setting')} in this unit would give a rate",
        )
    # A frontier holds one figure a year, so three records always span two years or more:
    # the "at least 2 years" rule needs no check of its own.
    slope, _, r2 = fit(records)
    per_year = 10**slope
    doubling = 12 * math.log10(2) / slope if slope > 0 else math.inf
    return Growth(records, per_year, doubling, r2, records[0].year, records[-1].year)
