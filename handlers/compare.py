"""``/compare A B [C D]``: two to four fields side by side, on the same rows."""

from __future__ import annotations

from bot.commands import Command, Option, OptionType, Request
from bot.errors import InvalidValue
from bot.reply import Reply, Table
from handlers.present import essay, essay_scale, point_line, ratio_text, source, unique
from knowledge.models import Domain
from knowledge.store import DataPoint


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


def compare(
    request: Request,
    first: Domain,
    second: Domain,
    third: Domain | None,
    fourth: Domain | None,
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
    largest: list[DataPoint | None] = [
        request.store.largest(d.slug, d.headline_unit) for d in domains
    ]
    newest = [request.store.newest(d.slug) for d in domains]
    essay_figures = [(d.scale.quantity, d.scale.unit) if d.scale else None for d in domains]
    largest_figures = [(p.quantity, p.unit) if p else None for p in largest]
    rows = [
        ["Scale (essay)", *(essay_scale(d) for d in domains)],
        ["Cost (essay)", *(d.cost for d in domains)],
        ["Fits template", *("yes" if d.fits_template else "no" for d in domains)],
        ["Largest dataset", *(point_line(p) if p else "none yet" for p in largest)],
        ["Newest dataset", *(point_line(p) if p else "none yet" for p in newest)],
        [f"Essay scale vs {first.slug}", *_against_first(essay_figures)],
        [f"Largest vs {first.slug}", *_against_first(largest_figures)],
    ]
    citations = [essay("The Scaling Template")]
    citations += [essay(d.verdict_section) for d in domains]
    citations += [source(p) for p in [*largest, *newest] if p]
    return Reply(
        title=" vs ".join(d.name for d in domains),
        summary="Same rows for each field; ratios only where the units match.",
        table=Table(columns=["", *(d.name for d in domains)], rows=rows),
        citations=unique(citations),
        footer="Details: " + " · ".join(f"/scale {d.slug}" for d in domains),
        data={"domains": slugs},
    )


_DOMAIN = "A field, e.g. video, 3d, llm"
COMMAND = Command(
    name="compare",
    order=20,
    pure=True,
    description="Two to four fields side by side: scale, cost, template fit, datasets",
    handler=compare,
    example="/compare 3d llm",
    more_examples=("/compare video fsd image",),
    options=(
        Option("first", OptionType.DOMAIN, _DOMAIN, label="field", max_length=60),
        Option("second", OptionType.DOMAIN, _DOMAIN, label="field", max_length=60),
        Option("third", OptionType.DOMAIN, _DOMAIN, required=False, label="field", max_length=60),
        Option("fourth", OptionType.DOMAIN, _DOMAIN, required=False, label="field", max_length=60),
    ),
)
