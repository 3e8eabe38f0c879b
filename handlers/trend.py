"""``/trend DOMAIN [unit:UNIT]``: how fast a field's largest dataset grows, and a chart.

The essay's test is whether a field's data is huge *and* keeps growing almost for free.
The ledger cannot price data, but it can date it: the record (the largest dataset so
far, in one unit) and the rate fitted to it say how fast the supply has been growing.
The reply names the records it is fitted to, with their sources, and states the
projection as what it is, an extrapolation of that fit.
"""

from __future__ import annotations

from bot import fieldgrowth, growthwords, kinds
from bot.commands import Command, Option, Request
from bot.reply import Reply, ReplyField
from handlers import growth, options
from handlers.present import field_pages, source, unique
from knowledge.models import AnyDomain


def trend(request: Request, domain: AnyDomain, unit: str | None) -> Reply:
    store = request.store
    found = fieldgrowth.read(store, domain, unit)
    shown_unit = found.unit or "any unit"
    rate = found.rate
    fields: list[ReplyField] = []
    if rate is not None:
        summary = (
            f"The largest {domain.name} dataset in {found.unit} grew about "
            f"{growthwords.per_year(rate)}. Fitted over {rate.years} years to the "
            f"{rate.points} datasets that set a record."
        )
        fields = [
            ReplyField(
                name="Growth per year",
                value=f"{growthwords.times(rate.per_year)} (R² {rate.r2:.2f})",
            ),
            ReplyField(name="Doubling time", value=growthwords.months(rate.doubling_months)),
            ReplyField(name="Span", value=growth.span(rate)),
        ]
        projected = growth.projection(found)
        if projected:
            fields.append(ReplyField(name="Extrapolation", value=projected, inline=False))
    else:
        reason = found.reason
        remedy = found.remedy
        summary = f"No growth rate for {domain.name} in {shown_unit}: {reason}; {remedy}."
    # Outside figures sit beside the fit, never in its place: they measure other sets.
    estimates = growth.published(request.library, domain)
    if estimates:
        fields.append(
            ReplyField(
                name="Published estimates (not fitted here)",
                value=growth.published_lines(estimates),
                inline=False,
            )
        )
    reply = Reply(
        title=f"{domain.name}: how fast the record grows ({shown_unit})",
        summary=summary,
        fields=fields,
        items=[growth.record_line(point) for point in found.records],
        citations=unique([source(point) for point in found.records])
        + growth.published_citations(estimates)
        + field_pages(request.web_url, domain.slug),
        footer=_footer(request, domain, found.unit),
        domain=domain.slug,
        colour=domain.colour,
        data={
            "domain": domain.slug,
            **growth.data(found),
            "published_growth": growth.published_data(estimates),
        },
    )
    text = growth.text_chart(found) if found.records else ""
    if not request.images:
        return reply.model_copy(update={"preformatted": text})
    chart = fieldgrowth.trend_chart(store, found)
    if chart is None:
        return reply
    return reply.model_copy(update={"attachments": [growth.attachment(chart, text)]})


def _footer(request: Request, domain: AnyDomain, unit: str | None) -> str:
    """Where to look next: the field's other units, and the comparison with another field."""
    store = request.store
    units = store.reads.units_of(domain.slug)
    others = sorted(units - {unit} if unit else set())
    parts = [f"/trend {domain.slug} unit:{other}" for other in others[:3]]
    rival = next((slug for slug in request.library.domains if slug != domain.slug), None)
    if rival is not None:
        parts.append(f"/compare {domain.slug} {rival}")
    parts.append(f"/datasets {domain.slug}")
    return "More: " + " · ".join(parts)


COMMAND = Command(
    name="trend",
    order=25,
    pure=True,
    draws=True,
    description="How fast a field's largest dataset grows: rate, doubling time, chart",
    handler=trend,
    example="/trend 3d",
    more_examples=("/trend video unit:clips", "/trend llm"),
    options=(
        options.field(),
        Option(
            "unit",
            kinds.Unit(label="unit", max_length=40),
            "The unit to follow (default: the field's headline unit)",
            required=False,
        ),
    ),
)
