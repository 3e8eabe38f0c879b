"""A field's record growth worded once for every command, and its text charts.

``/trend`` shows one field's, ``/compare`` a row of them, a community field's card says
what they mean: all through here, so the rate, its wording and the keys programs read
are the same everywhere. The growth itself is read (and drawn as a PNG) by
:mod:`bot.fieldgrowth`, which ``scalebot chart`` calls too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import textchart
from bot.charts import Chart
from bot.fieldgrowth import FieldGrowth
from bot.growthwords import between, months, times
from bot.reply import Attachment, Citation
from knowledge.kb import Library
from knowledge.ledger.values import DataPoint
from knowledge.models import AnyDomain, PublishedGrowth
from knowledge.quantity import format_quantity
from knowledge.store import Store
from knowledge.trend import Growth

#: The projection the reply states: when the record would be this many times today's.
PROJECTED_FACTOR = 10
#: "Growing fast", read from the ledger: the record at least doubles every year.
FAST_PER_YEAR = 2.0
#: "Huge", read from the ledger: at least this share of the largest dataset in the same
#: unit among the fields the essay says fit its template.
HUGE_SHARE = 0.1


# -- wording (the words themselves are bot/growthwords.py's) -------------------------------


def span(rate: Growth) -> str:
    return f"{rate.first_year}–{rate.last_year} ({rate.years} years, {rate.points} records)"


def projection(found: FieldGrowth) -> str | None:
    """The extrapolation sentence, labelled as one; None without a rate."""
    rate = found.rate
    if rate is None or not found.records:
        return None
    year = rate.by_year(PROJECTED_FACTOR)
    if year is None:
        return None
    record = found.records[-1]
    return (
        f"At this rate, {PROJECTED_FACTOR}× today's record ({record.dataset}, "
        f"{format_quantity(record.quantity)} {record.unit}) by {year}. This extrapolates the "
        "fit; it is not a forecast."
    )


def cell(found: FieldGrowth) -> str:
    """One field's growth in a table cell: the rate, and the unit and years it is read over.

    Short enough for one line of a terminal's table; the doubling time is /trend's.
    """
    rate = found.rate
    if rate is None:
        return f"not enough history ({found.reason})"
    return f"{times(rate.per_year)} ({found.unit}, {rate.first_year}–{rate.last_year})"


def interval_cell(found: FieldGrowth) -> str:
    """The 90% interval of a field's yearly factor in a table cell, or why there is none."""
    rate = found.rate
    if rate is None:
        return "no rate"
    if rate.low is None or rate.high is None:
        return "cannot be computed"
    return between(rate.low, rate.high)


def leave_one_out_cell(found: FieldGrowth) -> str:
    """The yearly factor's range with any one record left out, in a table cell."""
    rate = found.rate
    if rate is None:
        return "no rate"
    if rate.leave_one_out is None:
        return "needs 3 records"
    return between(*rate.leave_one_out)


def record_line(point: DataPoint) -> str:
    return f"{point.year}: {point.dataset}, {format_quantity(point.quantity)} {point.unit}"


def data(found: FieldGrowth) -> dict[str, Any]:
    """The keys programs read (``scalebot ask --json``).

    Without a rate, every key the issue names is null, ``unit`` too, so a program tests
    one thing (``growth_per_year is None``) and never reads a unit as a rate's;
    ``unit_asked`` always says which unit the record was read in. ``growth_low`` and
    ``growth_high`` bound the 90% interval of the yearly factor and
    ``growth_leave_one_out`` is ``[least, greatest]`` with any one record left out: each
    null where it cannot be computed.
    """
    rate = found.rate
    if rate is None:
        return {
            "growth_per_year": None,
            "growth_low": None,
            "growth_high": None,
            "growth_leave_one_out": None,
            "doubling_months": None,
            "r2": None,
            "unit": None,
            "years": None,
            "frontier": None,
            "unit_asked": found.unit,
        }
    return {
        "growth_per_year": rate.per_year,
        "growth_low": rate.low,
        "growth_high": rate.high,
        "growth_leave_one_out": list(rate.leave_one_out) if rate.leave_one_out else None,
        "doubling_months": rate.doubling_months if math.isfinite(rate.doubling_months) else None,
        "r2": rate.r2,
        "unit": found.unit,
        "years": [rate.first_year, rate.last_year],
        "frontier": [
            {"dataset": p.dataset, "quantity": p.quantity, "unit": p.unit, "year": p.year}
            for p in found.records
        ],
        "unit_asked": found.unit,
    }


# -- published estimates, beside the fitted rate and never in its place -----------------


def published(library: Library, domain: AnyDomain) -> tuple[PublishedGrowth, ...]:
    """Outside estimates of the field's data growth (:meth:`Library.published_growth`)."""
    return library.published_growth(domain.slug)


def published_cell(estimates: Sequence[PublishedGrowth]) -> str:
    """The estimates in a table cell: ``×3.7 a year (Epoch AI, 2024)``, one after another."""
    if not estimates:
        return "none listed"
    return "; ".join(estimate.label for estimate in estimates)


def published_lines(estimates: Sequence[PublishedGrowth]) -> str:
    """Each estimate with what it measures, so nobody reads it as the ledger's own rate."""
    return "\n".join(f"{estimate.label}: {estimate.what}" for estimate in estimates)


def published_citations(estimates: Sequence[PublishedGrowth]) -> list[Citation]:
    return [Citation(label=f"{e.by}, {e.year}: {e.source}", url=str(e.source)) for e in estimates]


def published_data(estimates: Sequence[PublishedGrowth]) -> list[dict[str, Any]]:
    """The ``published_growth`` key programs read: one object per estimate, [] for none."""
    return [
        {
            "per_year": e.per_year,
            "what": e.what,
            "by": e.by,
            "year": e.year,
            "source": str(e.source),
        }
        for e in estimates
    ]


# -- what the data says -------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Whether a field's ledger says "huge and growing fast", and why or why not."""

    huge_and_fast: bool
    because: str
    #: The dataset its size was measured against (None when no template field shares
    #: its unit).
    benchmark: DataPoint | None = None


def verdict(store: Store, library: Library, found: FieldGrowth) -> Verdict:
    """What the ledger alone says of a field, against the essay's template.

    Growing fast: its record at least doubles a year (:data:`FAST_PER_YEAR`). Huge: its
    record is at least :data:`HUGE_SHARE` of the largest dataset in the same unit among
    the fields the essay says fit the template; when none of them counts in that unit,
    its size has nothing to be measured against and the answer is "not yet". Both
    judge figures alone: the ledger knows nothing of what data costs.
    """
    rate = found.rate
    if not found.records:
        return Verdict(False, f"Not yet: {found.reason}.")
    record = found.records[-1]
    benchmark = _benchmark(store, library, record.unit)
    size = f"its record, {format_quantity(record.quantity)} {record.unit},"
    lacks: list[str] = []
    holds: list[str] = []
    if rate is None:
        lacks.append(f"no growth rate yet ({found.reason})")
    elif rate.per_year < FAST_PER_YEAR:
        lacks.append(
            f"its record grows {times(rate.per_year)} a year, under the "
            f"{times(FAST_PER_YEAR)} of a record that doubles every year"
        )
    else:
        holds.append(f"it grows {times(rate.per_year)} a year")
    if benchmark is None:
        lacks.append(
            f"no field the essay says fits the template counts {found.unit}, so its size has "
            "nothing to be measured against"
        )
    else:
        against = (
            f"{benchmark.dataset}'s {format_quantity(benchmark.quantity)} ({benchmark.domain})"
        )
        if record.quantity < HUGE_SHARE * benchmark.quantity:
            lacks.append(f"{size} is under a tenth of {against}")
        else:
            holds.insert(0, f"{size} is at least a tenth of {against}")
    if lacks:
        said = "Not yet: " + "; ".join(lacks) + "."
        if holds:  # what the ledger does show, so a reader sees both halves of the test
            said += " (It does pass the other half: " + "; ".join(holds) + ".)"
        return Verdict(False, said, benchmark)
    return Verdict(True, "Huge and growing fast: " + ", and ".join(holds) + ".", benchmark)


def _benchmark(store: Store, library: Library, unit: str) -> DataPoint | None:
    """The largest current figure in ``unit`` of the fields the essay says fit the template."""
    found = [
        point
        for domain in library.essay_domains
        if domain.fits_template
        for point in [store.reads.largest(domain.slug, unit)]
        if point is not None
    ]
    return max(found, key=lambda point: point.quantity, default=None)


# -- charts ----------------------------------------------------------------------------


def fit_line(found: FieldGrowth) -> str:
    rate = found.rate
    if rate is None:
        return f"not enough history: {found.reason}"
    return (
        f"fit: {times(rate.per_year)} a year, doubling every {months(rate.doubling_months)}, "
        f"R² {rate.r2:.2f}"
    )


def text_chart(found: FieldGrowth) -> str:
    """The record as rows of text (the terminal's chart, and Slack's when it has no file)."""
    rows = [textchart.Row(p.year or 0, p.dataset, p.quantity) for p in found.records]
    return textchart.record_chart(rows, found.unit or "", fit_line(found))


def compare_text_chart(found: Sequence[FieldGrowth]) -> str:
    rows = []
    for entry in found:
        rate = entry.rate
        if rate is None:
            rows.append(textchart.RateRow(entry.domain.name, None, "not enough history"))
            continue
        first, last = entry.records[0], entry.records[-1]
        note = (
            f"×{format_quantity(last.quantity / first.quantity)} since {first.year} ({entry.unit})"
            if first.quantity > 0
            else ""
        )
        rows.append(textchart.RateRow(entry.domain.name, rate.per_year, note))
    return textchart.rate_chart(rows)


def attachment(chart: Chart, text: str) -> Attachment:
    """A chart as a reply's file, with its text version for where files cannot go."""
    return Attachment(filename=chart.filename, data=chart.png, description=chart.alt, text=text)
