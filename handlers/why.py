"""``/why [DOMAIN]``: the essay's argument as numbered steps, each with its section."""

from __future__ import annotations

from bot.commands import Command, Request
from bot.reply import Reply
from handlers import options
from handlers.present import essay, unique
from knowledge.models import AnyDomain, Claim, CommunityDomain


def _steps(claims: list[Claim]) -> list[str]:
    return [f"{claim.text} [{claim.section}]" for claim in claims]


def why(request: Request, domain: AnyDomain | None) -> Reply:
    if domain is None:
        claims = request.library.argument
        return Reply(
            title="Why data ecosystems decide which fields scale",
            summary="The essay's argument, step by step.",
            items=_steps(claims),
            citations=unique([essay(c.section) for c in claims]),
            footer="For one field: /why 3d",
            data={"claims": [c.id for c in claims]},
        )
    if isinstance(domain, CommunityDomain):
        return _not_in_essay(request, domain)
    verdict = "fits" if domain.fits_template else "does not fit"
    return Reply(
        title=f"Why {domain.name} {verdict} the scaling template",
        summary=domain.verdict,
        items=_steps(domain.reasons),
        citations=unique(
            [essay(domain.verdict_section), *(essay(c.section) for c in domain.reasons)]
        ),
        footer=f"Figures: /scale {domain.slug}",
        domain=domain.slug,
        colour=domain.colour,
        data={"domain": domain.slug, "claims": [c.id for c in domain.reasons]},
    )


def _not_in_essay(request: Request, domain: CommunityDomain) -> Reply:
    """A field moderators added has no argument to show: say so, and where its data is."""
    discussed = ", ".join(d.name for d in request.library.essay_domains)
    return Reply(
        title=f"The essay does not discuss {domain.name}",
        summary=(
            f"The essay's argument covers {discussed}. {domain.name} was added by a moderator "
            "to track its datasets, so there are no reasons to quote for it; its ledger can "
            "still say whether its data is huge and growing fast."
        ),
        footer=f"Its data: /scale {domain.slug} · /trend {domain.slug} · the argument: /why",
        domain=domain.slug,
        colour=domain.colour,
        data={"domain": domain.slug, "community": True, "claims": []},
    )


COMMAND = Command(
    name="why",
    order=40,
    pure=True,
    description="The essay's argument as numbered steps, overall or for one field",
    handler=why,
    example="/why 3d",
    more_examples=("/why",),
    options=(options.field("A field, e.g. 3d (leave out for the whole argument)", required=False),),
)
