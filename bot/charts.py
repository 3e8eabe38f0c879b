"""Charts of how fast a field's data grows: one renderer for chat, the terminal and the web.

A growth rate is easier to believe when you can see the records it is fitted to. Each
chart is drawn with matplotlib's Agg backend (no display) into PNG bytes, with alt text
for the platforms that show it. matplotlib is imported on the first chart, not at
start-up: it costs about half a second and tens of megabytes, which a bot that is never
asked for a chart should not pay. Callers run this off the event loop (the core's
worker thread does).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from knowledge.quantity import format_quantity
from knowledge.trend import Figure, Growth, NotEnoughHistory, fit

if TYPE_CHECKING:
    from matplotlib.figure import Figure as PlotFigure

#: Pixels: wide enough for a year axis, short enough for a phone screen.
WIDTH, HEIGHT, DPI = 960, 540, 120
GREY = "#9aa0a6"
INK = "#202124"


@dataclass(frozen=True)
class Chart:
    """A rendered chart: PNG bytes, the text that describes it, and its file name."""

    png: bytes
    alt: str
    filename: str


@dataclass(frozen=True)
class Series:
    """One field's record for a comparison chart."""

    name: str
    colour: str
    growth: Growth | NotEnoughHistory


def _figure() -> PlotFigure:
    """A fresh figure on the Agg canvas (no pyplot, no global state, thread-safe)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as PlotFigure

    figure = PlotFigure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _png(figure: PlotFigure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white")
    return buffer.getvalue()


def _style(axes: Any, ylabel: str) -> None:
    axes.set_yscale("log")
    axes.set_xlabel("year the dataset was published", color=INK)
    axes.set_ylabel(ylabel, color=INK)
    axes.grid(True, which="major", color="#e8eaed", linewidth=0.8)
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.get_major_locator().set_params(integer=True)


def trend_chart(
    field: str,
    slug: str,
    unit: str,
    figures: Sequence[Figure],
    result: Growth | NotEnoughHistory,
    colour: str,
) -> Chart:
    """Every approved figure in ``unit`` (grey), the record frontier and its fitted line."""
    figure = _figure()
    axes = figure.add_subplot(1, 1, 1)
    axes.scatter(
        [f.year for f in figures],
        [f.quantity for f in figures],
        s=14,
        color=GREY,
        alpha=0.6,
        label="approved figures",
        zorder=2,
    )
    frontier = result.frontier
    axes.plot(
        [f.year for f in frontier],
        [f.quantity for f in frontier],
        marker="o",
        markersize=7,
        linewidth=1.5,
        color=colour,
        label="record frontier",
        zorder=3,
    )
    years = [f.year for f in figures] or [0]
    middle = (min(years) + max(years)) / 2
    for point in frontier:
        # Names on the right half lean left, so none runs off the chart's edge.
        right = point.year > middle
        axes.annotate(
            point.dataset,
            (point.year, point.quantity),
            textcoords="offset points",
            xytext=(-8, 6) if right else (8, -12),
            ha="right" if right else "left",
            fontsize=8,
            color=INK,
        )
    axes.margins(x=0.06, y=0.12)
    if isinstance(result, Growth):
        slope, intercept, _ = fit(frontier)
        years = [result.first_year, result.last_year]
        line = [10 ** (intercept + slope * year) for year in years]
        axes.plot(years, line, linestyle="--", color=INK, linewidth=1, label="fit", zorder=1)
        subtitle = (
            f"×{result.per_year:.2g} a year, doubling every {result.doubling_months:.1f} "
            f"months (R² {result.r2:.2f}, {result.points} records, "
            f"{result.first_year}–{result.last_year})"
        )
    else:
        subtitle = f"not enough history: {result.reason}"
    _style(axes, unit)
    axes.set_title(f"{field}: the largest dataset in {unit}, year by year", color=INK)
    figure.text(0.5, 0.01, subtitle, ha="center", fontsize=9, color=INK)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    alt = (
        f"Chart of the record dataset size in {unit} for {field}, by year, log scale: "
        + ", ".join(f"{f.dataset} {format_quantity(f.quantity)} ({f.year})" for f in frontier)
        + f". {subtitle}."
    )
    return Chart(_png(figure), alt, f"trend-{slug}-{unit.replace(' ', '-')}.png")


def compare_chart(series: Sequence[Series]) -> Chart:
    """Each field's record as a multiple of its own first record: growth on one axis."""
    figure = _figure()
    axes = figure.add_subplot(1, 1, 1)
    described = []
    for entry in series:
        frontier = entry.growth.frontier
        if not frontier:
            continue
        base = frontier[0].quantity
        axes.plot(
            [f.year for f in frontier],
            [f.quantity / base for f in frontier],
            marker="o",
            linewidth=1.8,
            color=entry.colour,
            label=_label(entry),
        )
        described.append(_label(entry))
    _style(axes, "record, as a multiple of its first")
    axes.set_title("How fast each field's largest dataset grows", color=INK)
    axes.legend(loc="upper left", fontsize=8, frameon=False)
    figure.tight_layout()
    alt = "Chart of each field's record dataset size relative to its first record, by year: "
    alt += "; ".join(described) + "."
    slugs = "-".join(entry.name.split()[0].casefold() for entry in series)
    return Chart(_png(figure), alt, f"compare-{slugs}.png")


def _label(entry: Series) -> str:
    if isinstance(entry.growth, Growth):
        return f"{entry.name}: ×{entry.growth.per_year:.2g}/yr"
    return f"{entry.name}: not enough history"
