"""Charts of how fast a field's data grows: one renderer for chat, the terminal and the web.

A growth rate is easier to believe when you can see the records it is fitted to. Each
chart is drawn with matplotlib's Agg backend (no display) into PNG bytes, with alt text
for the platforms that show it. matplotlib is imported on the first chart, not at
start-up: it costs about a second and tens of megabytes, which a bot that is never
asked for a chart should not pay. Callers run this off the event loop (the core's
worker thread does).

Drawn for a phone: a chat client shows the image about 350 points wide, so text is set
large for a 960-pixel image, the y axis reads "10M", "1B" rather than powers of ten, and
the record is a staircase (a record stands until a larger dataset breaks it) with each
step named. The layout is fixed rather than measured (no ``tight_layout``), which would
draw every chart twice.
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.growthwords import between, months, times
from knowledge.quantity import format_quantity
from knowledge.trend import Figure, Growth, NotEnoughHistory, fit

if TYPE_CHECKING:
    from matplotlib.figure import Figure as PlotFigure

#: Pixels: wide enough for a year axis, short enough for a phone screen.
WIDTH, HEIGHT, DPI = 960, 540, 120
GREY = "#9aa0a6"
INK = "#202124"
MUTED = "#5f6368"
GRID = "#e8eaed"
#: Font sizes in points (at 120 dpi a point is 1.67 pixels).
TITLE, SUBTITLE, LABEL, TICK, NOTE = 17, 13, 13, 13, 12
#: Where the axes sit in the figure (fractions): room for the title and year labels.
MARGINS = {"left": 0.115, "right": 0.975, "top": 0.8, "bottom": 0.2}
#: A title longer than this is set smaller, so it stays on the image.
TITLE_CHARACTERS = 46
#: The same for the subtitle.
SUBTITLE_CHARACTERS = 76
#: A trend chart's subtitle longer than this leaves out the doubling time (digits and
#: "×" are wider than most letters, so the budget is below the subtitle's).
RATE_LINE_CHARACTERS = 68
#: A record's label: at most this many characters of the dataset's name.
NAME_CHARACTERS = 20
#: Points along the fit and projection lines that record labels keep off.
FIT_SAMPLES = 80
#: The extrapolation to 10x is drawn when it lands within this many years of the record.
PROJECTION_YEARS = 8


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
    unit: str = ""


def loaded() -> bool:
    """Whether matplotlib is imported already, so a chart costs its drawing alone."""
    return "matplotlib.backends.backend_agg" in sys.modules


def _figure() -> PlotFigure:
    """A fresh figure on the Agg canvas (no pyplot, no global state, thread-safe)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as PlotFigure

    figure = PlotFigure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    figure.subplots_adjust(**MARGINS)
    return figure


def _png(figure: PlotFigure) -> bytes:
    """The figure as PNG bytes that depend on the chart alone: matplotlib's default
    ``Software`` text (its version) is left out, so one ledger draws one file whatever
    matplotlib drew it (``scalebot publish`` promises the same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def _headings(figure: PlotFigure, title: str, subtitle: str, colour: str) -> None:
    left = MARGINS["left"]
    # A long field name and unit would run off the right edge at full size.
    size = TITLE if len(title) <= TITLE_CHARACTERS else TITLE * TITLE_CHARACTERS / len(title)
    figure.text(left, 0.945, title, fontsize=size, fontweight="bold", color=INK, va="center")
    size = SUBTITLE * min(1.0, SUBTITLE_CHARACTERS / len(subtitle)) if subtitle else SUBTITLE
    figure.text(left, 0.87, subtitle, fontsize=size, color=colour, va="center")


def _style(axes: Any, ylabel: str, formatter: Any) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullLocator

    axes.set_yscale("log")
    axes.yaxis.set_major_locator(LogLocator(base=10, numticks=7))
    axes.yaxis.set_minor_locator(NullLocator())
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: formatter(value)))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=7))
    axes.set_ylabel(ylabel, color=MUTED, fontsize=LABEL)
    axes.tick_params(labelsize=TICK, colors=INK, length=0, pad=6)
    axes.grid(True, which="major", color=GRID, linewidth=1)
    axes.set_axisbelow(True)
    for side in ("top", "right", "left"):
        axes.spines[side].set_visible(False)
    axes.spines["bottom"].set_color(GREY)


def _staircase(figures: Sequence[Figure], until: float) -> tuple[list[float], list[float]]:
    """The record as steps: each record holds until the next one, the last until ``until``."""
    xs: list[float] = []
    ys: list[float] = []
    for n, figure in enumerate(figures):
        end = figures[n + 1].year if n + 1 < len(figures) else until
        xs += [figure.year, end]
        ys += [figure.quantity, figure.quantity]
    return xs, ys


def _short(name: str) -> str:
    """A dataset's name cut to fit a label, at a word where one is near."""
    if len(name) <= NAME_CHARACTERS:
        return name
    cut = name[: NAME_CHARACTERS - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space >= NAME_CHARACTERS // 2 else cut).rstrip(" (-,") + "…"


def _label_records(
    axes: Any, frontier: Sequence[Figure], avoid: Sequence[tuple[float, float]] = ()
) -> None:
    """Name each record beside it, where the chart is empty, with a leader if moved.

    Nothing lies above the record staircase, so a label goes up and to the left of its
    point, else up and to the right, staying inside the axes and off the other labels,
    the markers and the ``avoid`` points (the fit line, sampled); when both places are
    taken it moves up a line at a time. Sizes are estimated from character counts
    rather than measured, which would need a draw.
    """
    if not frontier:
        return
    from matplotlib.patheffects import withStroke

    # A white outline keeps a label legible where it crosses the fit line or a grid line.
    halo = [withStroke(linewidth=3, foreground="white")]
    pixel = DPI / 72
    line = NOTE * pixel * 1.2
    char = NOTE * pixel * 0.6
    to_pixels = axes.transData.transform
    frame = axes.bbox
    points = [to_pixels((f.year, f.quantity)) for f in frontier]
    taken: list[tuple[float, float, float, float]] = [
        (x - 8, y - 8, x + 8, y + 8) for x, y in points
    ]
    for x, y in (to_pixels(spot) for spot in avoid):
        taken.append((x - 3, y - 3, x + 3, y + 3))
    # The newest records matter most (the last is today's): they choose their places first.
    for point, (x, y) in reversed(list(zip(frontier, points, strict=True))):
        text = f"{_short(point.dataset)}\n{format_quantity(point.quantity)}"
        width = char * max(len(part) for part in text.split("\n"))
        height = 2 * line
        box, leftward, raised = _place(x, y, width, height, line, frame, taken)
        taken.append(box)
        anchor_x = box[2] if leftward else box[0]
        axes.annotate(
            text,
            (point.year, point.quantity),
            xytext=(anchor_x - x, box[1] - y),
            textcoords="offset pixels",
            ha="right" if leftward else "left",
            va="bottom",
            fontsize=NOTE,
            color=INK,
            linespacing=1.05,
            annotation_clip=False,
            path_effects=halo,
            arrowprops={"arrowstyle": "-", "color": GREY, "linewidth": 0.8} if raised else None,
            zorder=6,
        )


def _place(
    x: float,
    y: float,
    width: float,
    height: float,
    line: float,
    frame: Any,
    taken: list[tuple[float, float, float, float]],
) -> tuple[tuple[float, float, float, float], bool, bool]:
    """Where a label of this size goes: (box, whether it is left of the point, raised)."""
    candidates = []
    for lift in range(8):
        bottom = y + 8 + lift * line
        for leftward in (True, False):
            left = x - 6 - width if leftward else x + 6
            box = (left, bottom, left + width, bottom + height)
            inside = frame.x0 <= box[0] and box[2] <= frame.x1 and box[3] <= frame.y1 + line
            if inside and not any(_overlap(box, other) for other in taken):
                return box, leftward, lift > 0
            candidates.append((box, leftward, lift > 0))
    return candidates[0]


def _legend(axes: Any, columns: int = 4) -> None:
    """Under the year axis, never over the data, however the records lie."""
    handles, labels = axes.get_legend_handles_labels()
    axes.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.45, -0.11),
        ncol=min(columns, len(labels)) or 1,
        fontsize=NOTE,
        frameon=False,
        handlelength=1.6,
        columnspacing=1.4,
        handletextpad=0.5,
    )


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _log_limits(values: Sequence[float], below: float = 0.08, above: float = 0.3) -> tuple:
    """Y limits with room under the lowest value and, for the labels, over the highest."""
    low, high = math.log10(min(values)), math.log10(max(values))
    span = max(high - low, 1.0)
    bottom, top = low - below * span, high + above * span
    if high - low < 1:  # within one decade: reach the powers of ten around it, for ticks
        bottom, top = min(bottom, math.floor(low)), max(top, math.ceil(high + 0.01))
    return 10**bottom, 10**top


def trend_chart(
    field: str,
    slug: str,
    unit: str,
    figures: Sequence[Figure],
    result: Growth | NotEnoughHistory,
    colour: str,
) -> Chart:
    """The field's figures in ``unit`` (grey: the spread of each year's sizes,
    :func:`knowledge.records.dated_figures`), the record staircase and its fitted line."""
    figure = _figure()
    axes = figure.add_subplot(1, 1, 1)
    frontier = result.frontier
    years = [f.year for f in figures] or [f.year for f in frontier] or [2020]
    last = max(years)
    right = last + 0.6
    records = {(f.dataset, f.quantity, f.year) for f in frontier}
    others = [f for f in figures if (f.dataset, f.quantity, f.year) not in records]
    if others:
        axes.scatter(
            [f.year for f in others],
            [f.quantity for f in others],
            s=22,
            color=GREY,
            alpha=0.55,
            linewidths=0,
            label="other figures",
            zorder=2,
        )
    projection = None
    fit_spots: list[tuple[float, float]] = []
    if isinstance(result, Growth):
        reached = result.by_year(10)
        if reached is not None and reached - result.last_year <= PROJECTION_YEARS:
            projection = reached
            right = max(right, reached + 0.6)
        slope, intercept, _ = fit(frontier)
        ends = [result.first_year, result.last_year]
        axes.plot(
            ends,
            [10 ** (intercept + slope * year) for year in ends],
            linestyle=(0, (5, 3)),
            color=INK,
            linewidth=1.3,
            label=f"fit, {times(result.per_year)}/yr",
            zorder=3,
        )
        span = result.last_year - result.first_year
        fit_spots = [
            (year, 10 ** (intercept + slope * year))
            for year in (result.first_year + span * n / FIT_SAMPLES for n in range(FIT_SAMPLES + 1))
        ]
    steps_x, steps_y = _staircase(frontier, last + 0.4)
    axes.plot(steps_x, steps_y, color=colour, linewidth=2.2, alpha=0.85, zorder=4)
    axes.plot(
        [f.year for f in frontier],
        [f.quantity for f in frontier],
        linestyle="none",
        marker="o",
        markersize=9,
        markeredgecolor="white",
        markeredgewidth=1.5,
        color=colour,
        label="record",
        zorder=5,
    )
    values = [f.quantity for f in figures] + [f.quantity for f in frontier]
    if projection is not None:
        target = frontier[-1].quantity * 10
        start = frontier[-1]
        fit_spots += [
            (
                start.year + (projection - start.year) * n / FIT_SAMPLES,
                start.quantity * 10 ** (n / FIT_SAMPLES),
            )
            for n in range(FIT_SAMPLES + 1)
        ]
        axes.plot(
            [frontier[-1].year, projection],
            [frontier[-1].quantity, target],
            linestyle=(0, (1, 2)),
            color=colour,
            linewidth=1.6,
            zorder=3,
        )
        axes.plot(
            [projection],
            [target],
            linestyle="none",
            marker="o",
            markersize=8,
            markerfacecolor="white",
            markeredgecolor=colour,
            markeredgewidth=1.5,
            label=f"extrapolated: 10× by {projection}",
            zorder=5,
        )
        values.append(target)
    _style(axes, unit, format_quantity)
    if values:
        axes.set_ylim(*_log_limits(values))
    first = min(years + [f.year for f in frontier])
    # A few years at least, so the year axis has whole years to mark.
    widen = max(0.0, (4 - (right - first)) / 2)
    axes.set_xlim(first - 0.6 - widen, right + widen)
    _label_records(axes, frontier, fit_spots)
    _legend(axes)
    if isinstance(result, Growth):
        subtitle = _subtitle(result)
    else:
        subtitle = f"Not enough history for a rate: {result.reason}"
    _headings(figure, f"{field}: record dataset in {unit}", subtitle, colour)
    alt = (
        f"Chart of {field}'s record dataset size in {unit} by year, on a log scale: "
        + ", ".join(f"{f.dataset} {format_quantity(f.quantity)} ({f.year})" for f in frontier)
        + f". {subtitle}."
    )
    if projection is not None:
        alt += f" Extrapolated, 10 times the record by {projection}."
    return Chart(_png(figure), alt, f"trend-{slug}-{unit.replace(' ', '-')}.png")


def _subtitle(result: Growth) -> str:
    """The rate with its 90% interval, the doubling time and R², on one line of the chart.

    The records and their years are on the chart itself; when a large rate makes the
    line too long for the image, the doubling time (the rate said another way) goes.
    """
    rate = f"{times(result.per_year)} a year"
    if result.low is not None and result.high is not None:
        rate += f" (90%: {between(result.low, result.high)})"
    doubling = f"doubles every {months(result.doubling_months)}"
    full = f"{rate} · {doubling} · R² {result.r2:.2f}"
    return full if len(full) <= RATE_LINE_CHARACTERS else f"{rate} · R² {result.r2:.2f}"


def _times(value: float) -> str:
    return "×" + format_quantity(value)


def compare_chart(series: Sequence[Series], slugs: Sequence[str] = ()) -> Chart:
    """Each field's record as a multiple of its own first record: growth on one axis."""
    figure = _figure()
    axes = figure.add_subplot(1, 1, 1)
    described = []
    years: list[int] = []
    values: list[float] = [1.0]
    last = max((e.growth.frontier[-1].year for e in series if e.growth.frontier), default=2020)
    for entry in series:
        frontier = entry.growth.frontier
        if not frontier:
            described.append(f"{entry.name}: no dated figures")
            continue
        base = frontier[0].quantity
        relative = [Figure(f.dataset, f.quantity / base, f.year) for f in frontier]
        steps_x, steps_y = _staircase(relative, last + 0.4)
        axes.plot(steps_x, steps_y, color=entry.colour, linewidth=2.4, alpha=0.9, zorder=3)
        axes.plot(
            [f.year for f in relative],
            [f.quantity for f in relative],
            linestyle="none",
            marker="o",
            markersize=8,
            markeredgecolor="white",
            markeredgewidth=1.3,
            color=entry.colour,
            label=_label(entry),
            zorder=4,
        )
        years += [f.year for f in frontier]
        values += [f.quantity for f in relative]
        described.append(
            f"{_label(entry)}, {_times(relative[-1].quantity)} from {frontier[0].year} "
            f"to {frontier[-1].year}"
        )
    _style(axes, "", _times)
    axes.set_ylim(*_log_limits(values, below=0.06, above=0.12))
    if years:
        axes.set_xlim(min(years) - 0.6, last + 0.6)
    # Two fields to a row: a field's name, unit and rate make a long entry.
    figure.subplots_adjust(bottom=0.2 if len(series) <= 2 else 0.25)
    _legend(axes, columns=2)
    _headings(
        figure,
        "How fast each field's record dataset grows",
        "Each line: the field's largest dataset in its own unit, ÷ its first record",
        MUTED,
    )
    alt = (
        "Chart of each field's record dataset size as a multiple of its first record, "
        "by year, on a log scale: " + "; ".join(described) + "."
    )
    names = slugs or [entry.name.split()[0].casefold() for entry in series]
    return Chart(_png(figure), alt, f"compare-{'-'.join(names)}.png")


def _label(entry: Series) -> str:
    unit = f" ({entry.unit})" if entry.unit else ""
    if isinstance(entry.growth, Growth):
        return f"{entry.name}{unit}: {times(entry.growth.per_year)}/yr"
    return f"{entry.name}{unit}: not enough history"
