"""``/datasets DOMAIN [sort] [page]``: the current figure of every approved dataset."""

from __future__ import annotations

import math

from bot import kinds
from bot.commands import Command, Option, Request
from bot.errors import InvalidValue
from bot.phrasing import counted
from bot.reply import Page, Reply
from bot.web.links import table_url
from handlers import options
from handlers.present import measures_line, source, unique, web_page
from knowledge.ledger.values import DatasetSort
from knowledge.models import AnyDomain

PAGE_SIZE = 10


def datasets(request: Request, domain: AnyDomain, sort: DatasetSort, page: int) -> Reply:
    _, total = request.store.reads.counts(domain.slug)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if page > pages:
        raise InvalidValue(
            f"{domain.name} has only {counted(pages, 'page')} of datasets, so there is no "
            f"page {page}.",
            example=f"/datasets {domain.slug} page:{pages}",
        )
    listed = request.store.reads.datasets(domain.slug, sort, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    points = [figure for entry in listed for figure in entry.figures]

    def command(number: int) -> str:
        return f"/datasets {domain.slug} sort:{sort} page:{number}"

    order = "largest first" if sort == "largest" else "newest first"
    web = (
        [web_page("every current figure", table_url(request.web_url, domain.slug))]
        if request.web_url
        else []
    )
    return Reply(
        title=f"{domain.name}: datasets ({order})",
        summary=f"{total} datasets with an approved figure; each shows its current figure in "
        "every unit it is counted in."
        if total
        else "No approved datasets yet. Propose one with /submit.",
        items=[measures_line(entry.figures) for entry in listed if entry.figures],
        # One source a dataset (its first figure's): /history cites every figure.
        citations=unique([source(entry.figures[0]) for entry in listed if entry.figures]) + web,
        page=Page(
            number=page,
            count=pages,
            next_command=command(page + 1) if page < pages else None,
            previous_command=command(page - 1) if page > 1 else None,
        ),
        domain=domain.slug,
        colour=domain.colour,
        data={
            "domain": domain.slug,
            "total": total,
            "ids": [p.id for p in points],
            "datasets": [
                {"id": entry.dataset.id, "name": entry.dataset.name, "figures": len(entry.figures)}
                for entry in listed
            ],
        },
    )


COMMAND = Command(
    name="datasets",
    order=70,
    pure=True,
    description="Approved datasets of a field with their current figures, paginated",
    handler=datasets,
    example="/datasets video sort:newest",
    more_examples=("/datasets 3d", "/datasets llm page:2"),
    options=(
        options.field("The field, e.g. video"),
        Option(
            "sort",
            kinds.Choice(label="sort order", choices=("largest", "newest"), max_length=10),
            "largest (default) or newest",
            required=False,
            default="largest",
        ),
        options.page(),
    ),
)
