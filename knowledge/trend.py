"""How fast a field's data grows: the record frontier and its exponential fit.

The essay's template asks for data that is huge and grows almost for free. Sizes in one
unit are comparable only within that unit, but a growth rate is a pure number: ×10 a
year in tokens and ×10 a year in hours are the same pace. So, for one field and one
unit, the **record frontier** is the figures that set a new maximum, taken in order of
year; growth is the least-squares line through log10(size) against year on that
frontier. Its slope gives × per year and the doubling time; R² says how well one
steady rate describes the record.

Four records can fit a line with R² 0.98 and still leave the rate loose, so a rate comes
with its uncertainty, two ways: a 90% interval for the yearly factor, 10^(slope ± t·se)
with the slope's standard error se and Student's t (0.95 quantile, n−2 degrees of
freedom: :func:`t_quantile`), and the range of the factor when any one record is left
out (the rate's dependence on a single dataset, which the interval's assumption of
independent normal scatter does not see).

Pure functions over plain values: no database, no platform. The store supplies the
figures; commands and charts present the result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Fewer record points than this is not enough to call a rate. The frontier has one
#: figure a year, so three records also span the two years a rate needs.
MIN_POINTS = 3
#: The interval stated with a rate: two-sided, so Student's t at (1 + 0.9) / 2 = 0.95.
CONFIDENCE = 0.90

#: Student's t 0.95 quantile for 1 to 30 degrees of freedom (checked against
#: ``scipy.stats.t.ppf`` by the tests; scipy itself is not a dependency of the bot).
_T95 = (
    6.313751514675037,
    2.9199855803537242,
    2.3533634348018233,
    2.1318467863266495,
    2.0150483733330233,
    1.9431802805153042,
    1.8945786050900062,
    1.8595480375308973,
    1.833112932656237,
    1.8124611228116756,
    1.7958848187040433,
    1.782287555649319,
    1.7709333959868725,
    1.761310135774891,
    1.753050355692572,
    1.7458836762762495,
    1.7396067260750725,
    1.7340636066175388,
    1.7291328115213682,
    1.7247182429207866,
    1.720742902811878,
    1.7171443743802424,
    1.713871527747048,
    1.710882079909428,
    1.7081407612518986,
    1.7056179197592727,
    1.7032884457221265,
    1.7011309342659313,
    1.6991270265334972,
    1.697260886593957,
)
#: The standard normal's 0.95 quantile, where the expansion for larger df starts.
_Z95 = 1.6448536269514722


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
    #: The 90% interval of ``per_year`` (:func:`interval`); None where it cannot be had.
    low: float | None = None
    high: float | None = None
    #: The least and greatest ``per_year`` with any one record left out
    #: (:func:`leave_one_out`); None under three records.
    leave_one_out: tuple[float, float] | None = None

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


@dataclass(frozen=True)
class Line:
    """The least-squares line of log10(size) on year, and how far to trust its slope."""

    slope: float
    intercept: float
    r2: float
    #: The slope's standard error; None under three points (no residual degree of
    #: freedom left) or when the years do not vary.
    se: float | None


def _analyse(points: Sequence[Figure]) -> tuple[Line, list[float]]:
    """The line through ``points`` and, for three or more, each slope with one left out.

    One pass for the centred sums, one for the residuals and the left-out slopes: with
    dx, dy each point's distance from the means and k = n / (n − 1), leaving point i
    out gives the slope (Σdxdy − k·dxᵢdyᵢ) / (Σdx² − k·dxᵢ²), so the range costs no fit
    of its own. Plain loops: this runs on every /trend after a change of the ledger.
    """
    n = len(points)
    origin = points[0].year
    # Years counted from the first keep every sum small: no precision lost to rounding.
    xs = [float(p.year - origin) for p in points]
    ys = [math.log10(p.quantity) for p in points]
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sxy = total = 0.0
    for x, y in zip(xs, ys, strict=True):
        dx, dy = x - mean_x, y - mean_y
        sxx += dx * dx
        sxy += dx * dy
        total += dy * dy
    slope = sxy / sxx
    residual = 0.0
    left_out: list[float] = []
    k = n / (n - 1) if n >= 3 else 0.0
    for x, y in zip(xs, ys, strict=True):
        dx, dy = x - mean_x, y - mean_y
        off = dy - slope * dx
        residual += off * off
        if n >= 3:
            left_out.append((sxy - k * dx * dy) / (sxx - k * dx * dx))
    r2 = 1.0 - residual / total if total > 0 else 1.0
    se = math.sqrt(residual / (n - 2) / sxx) if n > 2 else None
    intercept = mean_y - slope * (mean_x + origin)
    return Line(slope, intercept, r2, se), left_out


def line(points: Sequence[Figure]) -> Line:
    """Least squares of log10(quantity) on year over ``points`` (two or more years)."""
    return _analyse(points)[0]


def fit(points: Sequence[Figure]) -> tuple[float, float, float]:
    """Least squares of log10(quantity) on year: (slope, intercept, R²)."""
    fitted = line(points)
    return fitted.slope, fitted.intercept, fitted.r2


def t_quantile(df: int) -> float:
    """Student's t 0.95 quantile with ``df`` degrees of freedom (``df`` ≥ 1).

    Exact to double precision from a table up to 30; beyond, the Cornish-Fisher
    expansion about the normal quantile to the fourth order in 1/df, within 1e-8 of
    the exact value at 31 and closer after.
    """
    if df < 1:
        raise ValueError(f"Student's t needs at least 1 degree of freedom, not {df}")
    if df <= len(_T95):
        return _T95[df - 1]
    z = _Z95
    terms = (
        (z**3 + z) / 4,
        (5 * z**5 + 16 * z**3 + 3 * z) / 96,
        (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384,
        (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160,
    )
    return z + sum(term / df ** (power + 1) for power, term in enumerate(terms))


def slope_error(points: Sequence[Figure]) -> float | None:
    """The standard error of :func:`fit`'s slope; None under three points."""
    return line(points).se if len(points) >= 2 else None


def _factor(log10_factor: float) -> float:
    """10 to a power, infinite rather than an OverflowError."""
    return 10**log10_factor if log10_factor < 308 else math.inf


def _bounds(fitted: Line, n: int) -> tuple[float, float] | None:
    if fitted.se is None:
        return None
    spread = t_quantile(n - 2) * fitted.se
    low, high = _factor(fitted.slope - spread), _factor(fitted.slope + spread)
    return (low, high) if math.isfinite(high) else None


def interval(points: Sequence[Figure]) -> tuple[float, float] | None:
    """The 90% interval of the yearly factor fitted to ``points``: 10^(slope ± t·se).

    None where it cannot be computed: two points (no degrees of freedom left), a
    standard error that is undefined, or a bound beyond a float.
    """
    return _bounds(line(points), len(points)) if len(points) >= 2 else None


def leave_one_out(points: Sequence[Figure]) -> tuple[float, float] | None:
    """The least and greatest yearly factor fitted with any one of ``points`` left out.

    Needs three points in at least three years (each fit keeps two years or more); None
    under that or when a factor is beyond a float.
    """
    if len(points) < 3 or len({p.year for p in points}) < 3:
        return None
    return _range(_analyse(points)[1])


def _range(slopes: list[float]) -> tuple[float, float] | None:
    if not slopes:
        return None
    low, high = _factor(min(slopes)), _factor(max(slopes))
    return (low, high) if math.isfinite(high) else None


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
    fitted, left_out = _analyse(records)
    slope = fitted.slope
    per_year = 10**slope
    doubling = 12 * math.log10(2) / slope if slope > 0 else math.inf
    bounds = _bounds(fitted, len(records))
    low, high = bounds if bounds is not None else (None, None)
    return Growth(
        records,
        per_year,
        doubling,
        fitted.r2,
        records[0].year,
        records[-1].year,
        low,
        high,
        _range(left_out),  # a frontier has a year per record: three years or more
    )
