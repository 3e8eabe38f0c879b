"""``/scale DOMAIN``: the domain card, the essay's figures beside the newest approved ones."""

from __future__ import annotations

from bot.commands import Command, Option, OptionType, Request
from bot.reply import Reply, ReplyField
from bot.web.links import chart_url, table_url
from handlers.present import amount, essay, essay_scale, point_line, source, unique, web_page
from knowledge.models import Domain


def scale(request: Request, domain: Domain) -> Reply:
    store = request.store
    largest = store.largest(domain.slug, domain.headline_unit)
    newest = store.newest(domain.slug)
    pending, datasets = store.counts(domain.slug)
    fields = [
        ReplyField(name="Scale (essay)", value=essay_scale(domain)),
        ReplyField(name="Cost (essay)", value=domain.cost),
        ReplyField(name="Scaling template", value=domain.verdict, inline=False),
        ReplyField(
            name=f"Largest dataset in {domain.headline_unit}",
            value=point_line(largest) if largest else "none approved yet",
        ),
        ReplyField(name="Newest dataset", value=point_line(newest) if newest else "none yet"),
        ReplyField(
            name="Community ledger",
            value=f"{datasets} datasets tracked, {pending} data points pending review",
        ),
    ]
    sections = [domain.scale.section if domain.scale else domain.verdict_section]
    sections += [domain.cost_section, domain.verdict_section]
    citations = [essay(s) for s in sections]
    citations += [source(p) for p in (largest, newest) if p]
    if request.web_url:
        citations += [
            web_page("every current figure", table_url(request.web_url, domain.slug)),
            web_page("the growth chart", chart_url(request.web_url, domain.slug)),
        ]
    return Reply(
        title=f"{domain.name}: scale and cost",
        summary=domain.summary,
        fields=fields,
        citations=unique(citations),
        footer=f"More: /datasets {domain.slug} · /why {domain.slug} · newer figure? /submit",
        domain=domain.slug,
        colour=domain.colour,
        data={
            "domain": domain.slug,
            "fits_template": domain.fits_template,
            "largest": largest.as_dict() if largest else None,
            "largest_amount": amount(largest) if largest else None,
            "newest": newest.as_dict() if newest else None,
            "pending": pending,
            "datasets": datasets,
        },
    )


COMMAND = Command(
    name="scale",
    order=10,
    pure=True,
    description="How much training data a field has, and how cheaply it grows",
    handler=scale,
    example="/scale video",
    more_examples=("/scale 3d", "/scale fsd"),
    options=(
        Option(
            "domain",
            OptionType.DOMAIN,
            "The field, e.g. video, 3d, llm",
            label="field",
            max_length=60,
        ),
    ),
)
