"""``/compare A B [C D]``: two to four fields side by side, on the same rows."""

from __future__ import annotations

from bot import fieldgrowth
from bot.commands import Command, Request
from bot.errors import InvalidValue
from bot.reply import Citation, Reply, Table
from bot.web.links import compare_chart_url
from handlers import growth, options
from handlers.present import (
    NOT_IN_ESSAY,
    essay,
    essay_scale,
    point_line,
    ratio_text,
    source,
    unique,
    web_page,
)
from knowledge.ledger.values import DataPoint
from knowledge.models import AnyDomain, CommunityDomain, Domain
from knowledge.store import Store

#: The row every field gets, comparable across units: a rate is a pure number.
GROWTH_ROW = "Record growth (×/yr)"
#: How loose that rate is: its 90% interval, and its range with one record left out.
INTERVAL_ROW = "90% interval (×/yr)"
LEAVE_ONE_OUT_ROW = "Any one record left out"
#: Outside estimates of each field's data growth, beside the fitted rate (never in its place).
PUBLISHED_ROW = "Published (×/yr)"


def _against_first(values: list[tuple[float, str] | None]) -> list[str]:
    """Each value against the first column's: orders of magnitude, or why not."""
    baseline = values[0]
    cells = []
    for index, value in enumerate(values):
        if value is None:
            cells.append("no figure")
        elif baseline is None:
            cells.append("no baseline figure")
        elif index == 0:
            cells.append("baseline")
        elif value[1] != baseline[1]:
            cells.append("units differ")
        else:
            cells.append(ratio_text(value[0], baseline[0]))
    return cells


def shared_unit(store: Store, domains: list[AnyDomain]) -> str | None:
    """A unit every field has a current figure in, to compare datasets by; else None.

    Video and self-driving both count hours: their records compare in hours. The first
    field's headline unit is preferred, then any field's headline unit, then any unit.
    """
    units = frozenset.intersection(*(store.reads.units_of(d.slug) for d in domains))
    for unit in [d.headline_unit for d in domains]:
        if unit in units:
            return unit
    return min(units) if units else None


def _essay_cells(domain: AnyDomain) -> list[str]:
    """Scale, cost and template fit as the essay gives them; nothing for a community field."""
    if isinstance(domain, CommunityDomain):
        return [NOT_IN_ESSAY, NOT_IN_ESSAY, NOT_IN_ESSAY]
    return [essay_scale(domain), domain.cost, "yes" if domain.fits_template else "no"]


def _essay_citations(domain: AnyDomain) -> list[Citation]:
    return [] if isinstance(domain, CommunityDomain) else [essay(domain.verdict_section)]


def _essay_figure(domain: AnyDomain) -> tuple[float, str] | None:
    if isinstance(domain, Domain) and domain.scale:
        return domain.scale.quantity, domain.scale.unit
    return None


def compare(
    request: Request,
    first: AnyDomain,
    second: AnyDomain,
    third: AnyDomain | None,
    fourth: AnyDomain | None,
) -> Reply:
    domains = [d for d in (first, second, third, fourth) if d is not None]
    slugs = [d.slug for d in domains]
    repeated = next((d for n, d in enumerate(domains) if d in domains[:n]), None)
    if repeated is not None:
        others = [d.slug for d in request.library.domains.values() if d not in domains]
        raise InvalidValue(
            f"{repeated.name} ({repeated.slug}) is named twice; name each field once.",
            example=f"/compare {repeated.slug} {others[0]}",
        )
    store = request.store
    rates = [fieldgrowth.read(store, d) for d in domains]
    estimates = [growth.published(request.library, d) for d in domains]
    largest: list[DataPoint | None] = [
        store.reads.largest(d.slug, found.unit) if found.unit else None
        for d, found in zip(domains, rates, strict=True)
    ]
    newest = [store.reads.newest(d.slug) for d in domains]
    essay_figures = [_essay_figure(d) for d in domains]
    shared = shared_unit(store, domains)
    in_shared = [store.reads.largest(d.slug, shared) for d in domains] if shared else largest
    shared_figures = [(p.quantity, p.unit) if p else None for p in in_shared]
    essay_cells = [_essay_cells(d) for d in domains]
    rows = [
        ["Scale (essay)", *(cells[0] for cells in essay_cells)],
        ["Cost (essay)", *(cells[1] for cells in essay_cells)],
        ["Fits template", *(cells[2] for cells in essay_cells)],
        ["Largest dataset", *(point_line(p) if p else "none yet" for p in largest)],
        ["Newest dataset", *(point_line(p) if p else "none yet" for p in newest)],
        [GROWTH_ROW, *(growth.cell(found) for found in rates)],
        [INTERVAL_ROW, *(growth.interval_cell(found) for found in rates)],
        [LEAVE_ONE_OUT_ROW, *(growth.leave_one_out_cell(found) for found in rates)],
        [PUBLISHED_ROW, *(growth.published_cell(e) for e in estimates)],
        [f"Essay scale vs {first.slug}", *_against_first(essay_figures)],
    ]
    ids = [[p.id if p else None for p in figures] for figures in (in_shared, largest)]
    if shared and ids[0] != ids[1]:
        rows.append([f"Largest in {shared}", *(point_line(p) if p else "none" for p in in_shared)])
    label = f"Largest vs {first.slug}" + (f" (in {shared})" if shared else "")
    rows.append([label, *_against_first(shared_figures)])
    citations = [essay("The Scaling Template")]
    citations += [citation for d in domains for citation in _essay_citations(d)]
    citations += [source(p) for p in [*largest, *newest, *in_shared] if p]
    citations += [c for listed in estimates for c in growth.published_citations(listed)]
    if request.web_url:
        slugs = [d.slug for d in domains]
        citations.append(web_page("the growth chart", compare_chart_url(request.web_url, slugs)))
    summary = "Same rows for each field; ratios only where the units match."
    if shared:
        summary = f"Same rows for each field; datasets compared in {shared}, a unit all count."
    reply = Reply(
        title=" vs ".join(d.name for d in domains),
        summary=summary,
        table=Table(columns=["", *(d.name for d in domains)], rows=rows),
        citations=unique(citations),
        footer="Details: "
        + " · ".join(f"/scale {d.slug}" for d in domains)
        + " · growth: "
        + " · ".join(f"/trend {d.slug}" for d in domains),
        data={
            "domains": slugs,
            "shared_unit": shared,
            "growth": {
                d.slug: {**growth.data(found), "published_growth": growth.published_data(listed)}
                for d, found, listed in zip(domains, rates, estimates, strict=True)
            },
        },
    )
    # A terminal has the rates in the table already; the chart is for the platforms that
    # show pictures (its text version only for where the picture cannot go).
    if not request.images or not any(found.records for found in rates):
        return reply
    chart = fieldgrowth.compare_chart(store, rates)
    text = growth.compare_text_chart(rates)
    return reply.model_copy(update={"attachments": [growth.attachment(chart, text)]})


_DOMAIN = "A field, e.g. video, 3d, llm"
COMMAND = Command(
    name="compare",
    order=20,
    pure=True,
    draws=True,
    description="Two to four fields side by side: scale, cost, template fit, datasets",
    handler=compare,
    example="/compare 3d llm",
    more_examples=("/compare video fsd image",),
    options=(
        options.field(_DOMAIN, name="first"),
        options.field(_DOMAIN, name="second"),
        options.field(_DOMAIN, name="third", required=False),
        options.field(_DOMAIN, name="fourth", required=False),
    ),
)
