"""Wording shared by several commands: figures, data points, citations, comparisons.

Kept in one place so ``/scale``, ``/compare``, ``/datasets`` and ``/ask`` describe the
same point in the same words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.reply import Citation
from bot.web.links import chart_url, table_url
from knowledge.ledger.values import DataPoint, Measure
from knowledge.models import Domain, Figure
from knowledge.quantity import format_quantity

#: What a table cell says where the essay would speak, for a field it does not discuss.
NOT_IN_ESSAY = "not discussed by the essay"


def figure_text(figure: Figure) -> str:
    if figure.qualifier == "millions of":
        return f"millions of {figure.what}"
    amount = format_quantity(figure.quantity)
    prefix = "" if figure.qualifier == "exactly" else f"{figure.qualifier} "
    return f"{prefix}{amount} {figure.what}"


def essay_scale(domain: Domain) -> str:
    if domain.scale:
        return figure_text(domain.scale)
    return domain.scale_note or "the essay gives no figure"


def amount(point: DataPoint | Measure) -> str:
    return f"{format_quantity(point.quantity)} {point.unit}"


def point_line(point: DataPoint, *, with_id: bool = False) -> str:
    year = f", {point.year}" if point.year else ""
    ident = f"#{point.id} " if with_id else ""
    disputed = f" (disputed ({point.disputes}))" if point.disputes else ""
    return f"{ident}{point.dataset}: {amount(point)}{year}{disputed}"


def moment(timestamp: str | None) -> str:
    """A stored UTC timestamp as people read it: ``2026-11-30 01:03 UTC``.

    The store writes ``2026-11-30T01:03:39.132723Z``; the minutes are enough to read.
    """
    if not timestamp:
        return "an unknown time"
    if len(timestamp) >= 16 and timestamp[10] == "T" and timestamp.endswith("Z"):
        return f"{timestamp[:10]} {timestamp[11:16]} UTC"
    try:
        parsed = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return timestamp
    return parsed.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def measures_line(figures: Sequence[DataPoint | Measure]) -> str:
    """A dataset once, with every current figure: ``#7 InternVid: 760K hours · 234M clips, 2023``.

    ``figures`` are one dataset's current figures, the headline unit's first; the id is
    the first figure's (``/history`` lists them all) and the year the newest.
    """
    first = figures[0]
    shown = " · ".join(amount(point) for point in figures)
    years = [point.year for point in figures if point.year]
    disputed = sum(point.disputes for point in figures)
    mark = f" (disputed ({disputed}))" if disputed else ""
    year = f", {max(years)}" if years else ""
    return f"#{first.id} {first.dataset}: {shown}{year}{mark}"


def essay(section: str) -> Citation:
    return Citation(label=f"essay, “{section}”")


def source(point: DataPoint | Measure) -> Citation:
    return Citation(label=f"{point.dataset}: {point.source_url}", url=point.source_url)


def web_page(what: str, url: str) -> Citation:
    """The web view's page for what a reply shows (``SCALEBOT_WEB_URL`` is set).

    Chat shows a few rows; the page has them all, to sort, filter and share.
    """
    return Citation(label=f"On the web, {what}: {url}", url=url)


def field_pages(web_url: str | None, slug: str) -> list[Citation]:
    """A field's current figures and its growth chart on the web view (none without one)."""
    if not web_url:
        return []
    return [
        web_page("every current figure", table_url(web_url, slug)),
        web_page("the growth chart", chart_url(web_url, slug)),
    ]


def unique(citations: list[Citation]) -> list[Citation]:
    seen: dict[str, Citation] = {}
    for citation in citations:
        seen.setdefault(citation.label, citation)
    return list(seen.values())


def ratio_text(value: float, baseline: float) -> str:
    """``value`` against ``baseline``: the factor and the orders of magnitude between them."""
    factor = value / baseline
    magnitude = math.log10(factor)
    shown = f"{factor:,.0f}×" if factor >= 10 else f"{factor:.2g}×"
    return f"{shown} ({magnitude:+.1f} orders of magnitude)"
