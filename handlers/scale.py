"""``/scale DOMAIN``: the domain card, the essay's figures beside the newest approved ones."""

from __future__ import annotations

from bot import fieldgrowth
from bot.commands import Command, Request
from bot.reply import Reply, ReplyField
from handlers import growth, options
from handlers.present import (
    amount,
    essay,
    essay_scale,
    field_pages,
    moment,
    point_line,
    source,
    unique,
)
from knowledge.models import AnyDomain, CommunityDomain, Domain


def scale(request: Request, domain: AnyDomain) -> Reply:
    if isinstance(domain, CommunityDomain):
        return community_card(request, domain)
    return essay_card(request, domain)


def essay_card(request: Request, domain: Domain) -> Reply:
    """A field the essay discusses: its figures and verdict beside the ledger's newest."""
    store = request.store
    largest = store.reads.largest(domain.slug, domain.headline_unit)
    newest = store.reads.newest(domain.slug)
    pending, datasets = store.reads.counts(domain.slug)
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
    citations += field_pages(request.web_url, domain.slug)
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


def community_card(request: Request, domain: CommunityDomain) -> Reply:
    """A field moderators added: what the ledger holds, and nothing in the essay's name.

    The essay does not discuss it, so no scale, cost or verdict is quoted: its largest
    figure, its growth and what those two say against the template, all from the ledger.
    """
    store = request.store
    found = fieldgrowth.read(store, domain)
    unit = found.unit
    largest = store.reads.largest(domain.slug, unit) if unit else None
    newest = store.reads.newest(domain.slug)
    pending, datasets = store.reads.counts(domain.slug)
    said = growth.verdict(store, request.library, found)
    fields = [
        ReplyField(
            name=f"Largest dataset in {unit}" if unit else "Largest dataset",
            value=point_line(largest) if largest else "none approved yet",
        ),
        ReplyField(name="Newest dataset", value=point_line(newest) if newest else "none yet"),
        ReplyField(name="Record growth (×/yr)", value=growth.cell(found), inline=False),
        ReplyField(name="What the data says", value=said.because, inline=False),
        ReplyField(
            name="Community ledger",
            value=f"{datasets} datasets tracked, {pending} data points pending review",
        ),
    ]
    points = [largest, newest, said.benchmark]
    citations = [source(p) for p in points if p]
    citations += field_pages(request.web_url, domain.slug)
    return Reply(
        title=f"{domain.name}: what the ledger holds",
        summary=(
            f"The essay does not discuss {domain.name}: a moderator added it "
            f"({domain.added_by}, {moment(domain.added_at)}) so its datasets can be tracked. "
            "Everything here comes from approved data points."
        ),
        fields=fields,
        citations=unique(citations),
        footer=f"More: /trend {domain.slug} · /datasets {domain.slug} · newer figure? /submit",
        domain=domain.slug,
        colour=domain.colour,
        data={
            "domain": domain.slug,
            "community": True,
            "fits_template": None,
            "largest": largest.as_dict() if largest else None,
            "largest_amount": amount(largest) if largest else None,
            "newest": newest.as_dict() if newest else None,
            "pending": pending,
            "datasets": datasets,
            "huge_and_growing_fast": said.huge_and_fast,
            **growth.data(found),
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
    options=(options.field(),),
)
